import { z } from "zod";
import type { DbExecutor } from "../db/index.js";
import { ECOSYSTEM_NAMES, type EcosystemName } from "../ecosystems/index.js";
import { newId } from "../lib/ids.js";
import { mandateErrors } from "./errors.js";

export type Cohort = "critical" | "all-projects" | "threshold" | "projects" | "all-users";

import type { Strength } from "../mfa/index.js";

export type { Strength };
export type Phase = "scheduled" | "notice" | "warn" | "enforce";

export interface Mandate {
  id: string;
  name: string;
  ecosystem: EcosystemName | null;
  cohort: Cohort;
  /** threshold: minimum downloads over windowDays; projects: normalized names. */
  threshold: number | null;
  projects: string[];
  windowDays: number;
  strength: Strength;
  noticeAt: number;
  warnAt: number;
  enforceAt: number;
  createdAt: number;
  createdBy: string;
  archivedAt: number | null;
}

/** The operator's input, validated at the boundary (CLI and JSON API share it). */
export const mandateInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    ecosystem: z.enum(ECOSYSTEM_NAMES).nullable().default(null),
    cohort: z.enum(["critical", "all-projects", "threshold", "projects", "all-users"]),
    threshold: z.number().int().positive().nullable().default(null),
    projects: z.array(z.string().trim().min(1).max(214)).default([]),
    windowDays: z.number().int().min(1).max(3650).default(180),
    strength: z.enum(["any", "phishing-resistant"]).default("any"),
    noticeAt: z.number().int(),
    warnAt: z.number().int(),
    enforceAt: z.number().int(),
  })
  .refine((m) => m.noticeAt <= m.warnAt && m.warnAt <= m.enforceAt, {
    message: "Phases must be in order: notice ≤ warn ≤ enforce",
  })
  .refine((m) => m.cohort !== "threshold" || m.threshold !== null, {
    message: "A threshold cohort needs a threshold",
  })
  .refine((m) => m.cohort !== "projects" || m.projects.length > 0, {
    message: "A projects cohort needs at least one project",
  });

export type MandateInput = z.input<typeof mandateInput>;

/** The fields that decide who a mandate covers: a stored mandate or a draft being simulated. */
export type MandateShape = Pick<
  Mandate,
  | "ecosystem"
  | "cohort"
  | "threshold"
  | "projects"
  | "windowDays"
  | "strength"
  | "noticeAt"
  | "warnAt"
  | "enforceAt"
>;

/** What an audit entry keeps of a mandate: its settings, not its bookkeeping (console and API alike). */
export const auditedSettings = (m: MandateShape & Pick<Mandate, "name">) => ({
  name: m.name,
  ecosystem: m.ecosystem,
  cohort: m.cohort,
  threshold: m.threshold,
  projects: m.projects,
  windowDays: m.windowDays,
  strength: m.strength,
  noticeAt: m.noticeAt,
  warnAt: m.warnAt,
  enforceAt: m.enforceAt,
});

export function phaseOf(m: Pick<Mandate, "noticeAt" | "warnAt" | "enforceAt">, now: number): Phase {
  if (now >= m.enforceAt) return "enforce";
  if (now >= m.warnAt) return "warn";
  if (now >= m.noticeAt) return "notice";
  return "scheduled";
}

type Row = {
  id: string;
  name: string;
  ecosystem: string | null;
  cohort: string;
  cohort_value: string | null;
  window_days: number;
  strength: string;
  notice_at: number;
  warn_at: number;
  enforce_at: number;
  created_at: number;
  created_by: string;
  archived_at: number | null;
};

function toMandate(r: Row): Mandate {
  const cohort = r.cohort as Cohort;
  return {
    id: r.id,
    name: r.name,
    ecosystem: r.ecosystem as Mandate["ecosystem"],
    cohort,
    threshold: cohort === "threshold" ? Number(r.cohort_value) : null,
    projects: cohort === "projects" ? (JSON.parse(r.cohort_value ?? "[]") as string[]) : [],
    windowDays: r.window_days,
    strength: r.strength as Strength,
    noticeAt: r.notice_at,
    warnAt: r.warn_at,
    enforceAt: r.enforce_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
    archivedAt: r.archived_at,
  };
}

export function parseMandateInput(input: unknown): z.output<typeof mandateInput> {
  const parsed = mandateInput.safeParse(input);
  if (!parsed.success) {
    throw mandateErrors.MANDATE_INVALID(
      parsed.error.issues.map((i) => `${i.path.join(".") || "mandate"}: ${i.message}`).join("; "),
    );
  }
  return parsed.data;
}

function columns(m: z.output<typeof mandateInput>) {
  return {
    name: m.name,
    ecosystem: m.ecosystem,
    cohort: m.cohort,
    cohort_value:
      m.cohort === "threshold"
        ? String(m.threshold)
        : m.cohort === "projects"
          ? JSON.stringify(m.projects.map((p) => p.toLowerCase()))
          : null,
    window_days: m.windowDays,
    strength: m.strength,
    notice_at: m.noticeAt,
    warn_at: m.warnAt,
    enforce_at: m.enforceAt,
  };
}

export async function createMandate(
  db: DbExecutor,
  now: number,
  createdBy: string,
  input: unknown,
): Promise<Mandate> {
  const m = parseMandateInput(input);
  const row: Row = {
    id: newId(now),
    ...columns(m),
    created_at: now,
    created_by: createdBy,
    archived_at: null,
  };
  await db.insertInto("mandates").values(row).execute();
  return toMandate(row);
}

export async function updateMandate(db: DbExecutor, id: string, input: unknown): Promise<Mandate> {
  const m = parseMandateInput(input);
  const r = await db.updateTable("mandates").set(columns(m)).where("id", "=", id).executeTakeFirst();
  if (r.numUpdatedRows !== 1n) throw mandateErrors.MANDATE_NOT_FOUND();
  return (await getMandate(db, id))!;
}

export async function archiveMandate(db: DbExecutor, now: number, id: string): Promise<void> {
  await db
    .updateTable("mandates")
    .set({ archived_at: now })
    .where("id", "=", id)
    .where("archived_at", "is", null)
    .execute();
}

export async function getMandate(db: DbExecutor, id: string): Promise<Mandate | null> {
  const r = await db.selectFrom("mandates").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toMandate(r) : null;
}

export async function activeMandates(db: DbExecutor): Promise<Mandate[]> {
  const rows = await db
    .selectFrom("mandates")
    .selectAll()
    .where("archived_at", "is", null)
    .orderBy("created_at")
    .execute();
  return rows.map(toMandate);
}
