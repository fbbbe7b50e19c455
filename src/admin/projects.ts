import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { ECOSYSTEM_NAMES, ecosystemFor } from "../ecosystems/index.js";
import { listProjectEvents, recordEvent, type SecurityEvent } from "../events/index.js";
import { isAppError } from "../lib/errors.js";
import {
  type Ecosystem,
  findProject,
  isProhibitedName,
  listMembers,
  type Member,
  type Project,
  packageErrors,
  searchEcosystem,
  setUploadLimit,
} from "../packages/index.js";
import { type AuditActor, recordAudit } from "./audit.js";
import { consoleErrors } from "./console-errors.js";
import { requireReason } from "./errors.js";

export const ECOSYSTEMS: readonly Ecosystem[] = ECOSYSTEM_NAMES;
export const PROJECT_SEARCH_LIMIT = 50;
export const MB = 1024 * 1024;
/** The PyPI upload route's ceiling (FILE_CEILING_BYTES, protocols/pypi/form.ts): a larger project limit could not work. */
const PYPI_CEILING_MB = 4096;

export function parseEcosystem(raw: string): Ecosystem {
  const e = ECOSYSTEMS.find((x) => x === raw);
  if (!e) throw consoleErrors.ECOSYSTEM_INVALID();
  return e;
}

/**
 * A name as its ecosystem keys projects: PEP 503 for PyPI, lower case for npm (npm refuses upper-case
 * new names). Names that could never be created are refused, so a prohibition never names nothing.
 */
export function normalizeProjectName(ecosystem: Ecosystem, raw: string): string {
  const eco = ecosystemFor(ecosystem);
  // npm keys are lower case and npm refuses upper-case new names, so an admin's "Foo" means "foo";
  // a PyPI name is checked as typed (the refusal quotes it), then normalized.
  const name = ecosystem === "npm" ? raw.trim().toLowerCase() : raw.trim();
  try {
    eco.assertValidName(name);
    return eco.normalizeName(name);
  } catch (e) {
    if (isAppError(e)) throw consoleErrors.NAME_INVALID(e.message);
    throw e;
  }
}

export interface ProjectRow extends Project {
  critical: boolean;
}

/**
 * Name search in one ecosystem or both: exact match, then prefixes, then substrings; one page per query
 * (`limit + 1` rows, lib/paging.ts toPage).
 */
export async function searchProjectsAdmin(
  deps: Pick<Deps, "db">,
  query: string,
  ecosystem: Ecosystem | null,
  page: { offset: number; limit: number } = { offset: 0, limit: PROJECT_SEARCH_LIMIT },
): Promise<ProjectRow[]> {
  const q = query.trim().toLowerCase().slice(0, 214);
  const { projects } = await searchEcosystem(deps.db, ecosystem, q, page.limit + 1, page.offset, {
    scopedAsPrefix: false,
  });
  const critical = projects.length
    ? await deps.db
        .selectFrom("projects")
        .select("id")
        .where(
          "id",
          "in",
          projects.map((p) => p.id),
        )
        .where("critical_since", "is not", null)
        .execute()
    : [];
  const ids = new Set(critical.map((c) => c.id));
  return projects.map((p) => ({ ...p, critical: ids.has(p.id) }));
}

export interface ProjectDetail {
  project: Project;
  critical: { since: number; manual: boolean; reason: string | null } | null;
  members: Member[];
  events: SecurityEvent[];
  prohibited: boolean;
  defaultLimitMb: number;
  ceilingMb: number;
}

/** The project of a console URL, looked up the way its ecosystem normalizes names. */
export async function findProjectAdmin(
  deps: Pick<Deps, "db">,
  ecosystem: string,
  name: string,
): Promise<Project> {
  const eco = ECOSYSTEMS.find((x) => x === ecosystem);
  // Same keys as normalizeProjectName: PEP 503 for PyPI, lower case for npm and RubyGems.
  const key = eco === "pypi" ? ecosystemFor(eco).normalizeName(name) : name.toLowerCase();
  const project = eco && name.length <= 214 ? await findProject(deps.db, eco, key) : null;
  if (!project) throw packageErrors.PROJECT_NOT_FOUND();
  return project;
}

export async function projectDetail(deps: Deps, project: Project): Promise<ProjectDetail> {
  const [row, members, events, prohibited] = await Promise.all([
    deps.db
      .selectFrom("projects")
      .select(["critical_since", "critical_manual", "critical_reason"])
      .where("id", "=", project.id)
      .executeTakeFirstOrThrow(),
    listMembers(deps.db, project.id),
    listProjectEvents(deps.db, project.id, 30),
    isProhibitedName(deps.db, project.ecosystem, project.normalizedName),
  ]);
  return {
    project,
    critical:
      row.critical_since === null
        ? null
        : { since: row.critical_since, manual: row.critical_manual === 1, reason: row.critical_reason },
    members,
    events,
    prohibited,
    defaultLimitMb: Math.floor(deps.config.uploadLimitBytes / MB),
    ceilingMb: uploadCeilingMb(deps, project.ecosystem),
  };
}

/**
 * The largest limit that can take effect. npm publishes arrive as one JSON body whose size cap is
 * derived from the registry-wide default when the server starts, so an npm project can only be lowered.
 */
export function uploadCeilingMb(deps: Pick<Deps, "config">, ecosystem: Ecosystem): number {
  return ecosystem === "npm" ? Math.max(1, Math.floor(deps.config.uploadLimitBytes / MB)) : PYPI_CEILING_MB;
}

/**
 * Every rule of a console form, one per field, for the page to judge them all at once (checkFields): the
 * (ecosystem, name, reason) forms of prohibited names and look-alikes, and the upload-limit form. The
 * functions below apply the same rules again when called.
 */
export function nameFormRules(form: { ecosystem: string; name: string; reason: string }) {
  const ecosystem = ECOSYSTEMS.find((e) => e === form.ecosystem);
  return {
    ecosystem: () => parseEcosystem(form.ecosystem),
    // A name is judged by its ecosystem's rules, so only once the ecosystem is known.
    name: ecosystem !== undefined && (() => normalizeProjectName(ecosystem, form.name)),
    reason: () => requireReason(form.reason),
  };
}

export function uploadLimitRules(deps: Deps, project: Project, form: { limit_mb: string; reason: string }) {
  return {
    limit_mb: () => parseLimitMb(form.limit_mb, uploadCeilingMb(deps, project.ecosystem)),
    reason: () => requireReason(form.reason),
  };
}

/** "" is the registry default (null); otherwise whole megabytes from 1 up to the ceiling. */
export function parseLimitMb(raw: string, ceilingMb: number): number | null {
  const v = raw.trim();
  if (v === "") return null;
  if (!/^\d{1,6}$/.test(v)) throw consoleErrors.LIMIT_INVALID();
  const mb = Number(v);
  if (mb < 1 || mb > ceilingMb)
    throw consoleErrors.LIMIT_INVALID(
      `Enter 1 to ${ceilingMb} MB, or leave it empty for the registry default.`,
    );
  return mb * MB;
}

export async function setProjectUploadLimit(
  deps: Deps,
  actor: AuditActor,
  project: Project,
  rawMb: string,
  rawReason: string,
): Promise<number | null> {
  const bytes = parseLimitMb(rawMb, uploadCeilingMb(deps, project.ecosystem));
  const reason = requireReason(rawReason);
  const now = deps.clock.now();
  return transaction(deps.db, async (tx) => {
    const current = await tx
      .selectFrom("projects")
      .select("upload_limit_bytes")
      .where("id", "=", project.id)
      .executeTakeFirstOrThrow();
    if (current.upload_limit_bytes === bytes) throw consoleErrors.LIMIT_UNCHANGED();
    await setUploadLimit(tx, project.id, bytes);
    // The owners see it in the project's history (the operator's name and IP stay in the audit log).
    await recordEvent(
      tx,
      now,
      {},
      {
        type: "project.upload_limit_changed",
        projectId: project.id,
        data: { fromBytes: current.upload_limit_bytes, toBytes: bytes, reason },
      },
    );
    await recordAudit(tx, now, actor, {
      action: "project.upload_limit",
      targetType: "project",
      target: `${project.ecosystem}/${project.name}`,
      reason,
      data: { fromBytes: current.upload_limit_bytes, toBytes: bytes },
    });
    return bytes;
  });
}
