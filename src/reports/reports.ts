import type { DbExecutor } from "../db/index.js";
import { isUniqueViolation } from "../db/index.js";
import type { Deps } from "../deps.js";
import { ecosystemFor } from "../ecosystems/index.js";
import { isAppError, reraise } from "../lib/errors.js";
import { newId } from "../lib/ids.js";
import { type Ecosystem, findProject, type Project } from "../packages/index.js";
import { reportErrors } from "./errors.js";

/**
 * Malware reports (issue 18 item 3): anyone with a verified email may tell the operators that a
 * project is malicious. A report is a signal for a person, never an automatic action: it puts the
 * project in the console's quarantine queue, and only an operator's decision hides anything.
 */
export const REPORT_CATEGORIES = [
  "malware",
  "typosquatting",
  "dependency-confusion",
  "spam",
  "other",
] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

export const CATEGORY_LABEL: Record<ReportCategory, string> = {
  malware: "Malware (steals data, runs hidden code, damages systems)",
  typosquatting: "Typosquatting (imitates another project's name)",
  "dependency-confusion": "Dependency confusion (takes a private package's name)",
  spam: "Spam or junk",
  other: "Something else",
};

export const DESCRIPTION_MIN = 10;
export const DESCRIPTION_MAX = 2000;

/** How an operator's action closed a report. */
export type ReportOutcome = "released" | "rejected" | "dismissed";

export interface Reporter {
  userId: string;
  emailVerified: boolean;
}

export interface NewReport {
  category: string;
  description: string;
}

export function parseCategory(raw: string): ReportCategory {
  const c = REPORT_CATEGORIES.find((x) => x === raw);
  if (!c) throw reportErrors.CATEGORY_INVALID();
  return c;
}

export function parseDescription(raw: string): string {
  const d = raw.trim();
  if (d.length < DESCRIPTION_MIN || d.length > DESCRIPTION_MAX) throw reportErrors.DESCRIPTION_INVALID();
  return d;
}

/** The project a report names, by the keys its ecosystem uses (PEP 503 for PyPI, lower case for npm). */
export async function findReportedProject(
  db: DbExecutor,
  ecosystem: Ecosystem,
  name: string,
): Promise<Project> {
  const eco = ecosystemFor(ecosystem);
  const key = ecosystem === "npm" ? name.toLowerCase() : eco.normalizeName(name);
  const project = name.length <= 214 ? await findProject(db, ecosystem, key) : null;
  if (!project) throw reportErrors.PROJECT_NOT_FOUND(`There is no ${ecosystem} project named '${name}'.`);
  return project;
}

/**
 * Files a report. Checks, in order: a verified reporter, a valid body, a project that exists and is not
 * already quarantined, the reporter's budget (5 an hour, 20 a day: a flood from one account stops at
 * the limit, spent before the insert so racing requests cannot all pass), one open report per reporter
 * per project (the partial unique index of migration 025 decides a race).
 */
export async function fileReport(
  deps: Pick<Deps, "db" | "clock" | "limits">,
  reporter: Reporter,
  ecosystem: Ecosystem,
  name: string,
  input: NewReport,
): Promise<{ id: string; project: Project }> {
  if (!reporter.emailVerified) throw reportErrors.EMAIL_UNVERIFIED();
  const category = parseCategory(input.category);
  const description = parseDescription(input.description);
  const project = await findReportedProject(deps.db, ecosystem, name);
  if (project.quarantinedAt) throw reportErrors.ALREADY_QUARANTINED();
  const open = await deps.db
    .selectFrom("malware_reports")
    .select("id")
    .where("project_id", "=", project.id)
    .where("reporter_id", "=", reporter.userId)
    .where("state", "=", "open")
    .executeTakeFirst();
  if (open) throw reportErrors.ALREADY_REPORTED();
  try {
    await deps.limits.consume("reportUserHour", reporter.userId);
    await deps.limits.consume("reportUserDay", reporter.userId);
  } catch (e) {
    // The limiter's wording is about guesses; a reporter needs to hear it is about their reports.
    if (!isAppError(e) || e.status !== 429) throw e;
    throw reraise({
      ...e,
      message: e.message.replace("Too many attempts.", "Too many reports from your account."),
    });
  }
  const now = deps.clock.now();
  const id = newId(now);
  try {
    await deps.db
      .insertInto("malware_reports")
      .values({
        id,
        project_id: project.id,
        reporter_id: reporter.userId,
        category,
        description,
        created_at: now,
      })
      .execute();
  } catch (e) {
    if (isUniqueViolation(e)) throw reportErrors.ALREADY_REPORTED();
    throw e;
  }
  return { id, project };
}

export interface OpenReport {
  id: string;
  projectId: string;
  reporter: string;
  category: ReportCategory;
  description: string;
  createdAt: number;
}

/** The open reports, oldest first, with the reporter's username: for operators only. */
export async function listOpenReports(db: DbExecutor, limit = 2000): Promise<OpenReport[]> {
  const rows = await db
    .selectFrom("malware_reports as r")
    .innerJoin("users as u", "u.id", "r.reporter_id")
    .select(["r.id", "r.project_id", "u.username", "r.category", "r.description", "r.created_at"])
    .where("r.state", "=", "open")
    .orderBy("r.created_at")
    .orderBy("r.id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    projectId: r.project_id,
    reporter: r.username,
    category: r.category as ReportCategory,
    description: r.description,
    createdAt: r.created_at,
  }));
}

/** Closes every open report of a project with the operator's outcome, in the caller's transaction. */
export async function closeReports(
  tx: DbExecutor,
  now: number,
  c: { projectId: string; outcome: ReportOutcome; closedBy: string; reason: string },
): Promise<number> {
  const r = await tx
    .updateTable("malware_reports")
    .set({
      state: "closed",
      outcome: c.outcome,
      closed_by: c.closedBy,
      closed_at: now,
      close_reason: c.reason,
    })
    .where("project_id", "=", c.projectId)
    .where("state", "=", "open")
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
