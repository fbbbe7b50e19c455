import { sql } from "kysely";
import type { DbExecutor } from "../db/index.js";
import type { EcosystemName } from "../ecosystems/index.js";
import { newId } from "../lib/ids.js";
import { trigramCandidates } from "./search.js";

/** Which packaging model a project belongs to; the list lives in `ecosystems/`. */
export type Ecosystem = EcosystemName;

export interface Project {
  id: string;
  ecosystem: Ecosystem;
  name: string;
  normalizedName: string;
  createdAt: number;
  uploadLimitBytes: number | null;
  serial: number;
  /** When the public document last changed without a new release (npm `time.modified`); 015. */
  modifiedAt?: number | null;
  /** 024: set while quarantined: hidden from installers and listings, frozen for its owners. */
  quarantinedAt?: number | null;
  quarantineReason?: string | null;
}

type Row = {
  id: string;
  ecosystem: string;
  name: string;
  normalized_name: string;
  created_at: number;
  upload_limit_bytes: number | null;
  serial: number;
  modified_at?: number | null;
  quarantined_at: number | null;
  quarantine_reason: string | null;
};

const toProject = (r: Row): Project => ({
  id: r.id,
  ecosystem: r.ecosystem as Ecosystem,
  name: r.name,
  normalizedName: r.normalized_name,
  createdAt: r.created_at,
  uploadLimitBytes: r.upload_limit_bytes,
  serial: r.serial,
  modifiedAt: r.modified_at ?? null,
  quarantinedAt: r.quarantined_at,
  quarantineReason: r.quarantine_reason,
});

const COLUMNS = [
  "id",
  "ecosystem",
  "name",
  "normalized_name",
  "created_at",
  "upload_limit_bytes",
  "serial",
  "modified_at",
  "quarantined_at",
  "quarantine_reason",
] as const;

export async function findProject(
  db: DbExecutor,
  ecosystem: Ecosystem,
  normalizedName: string,
): Promise<Project | null> {
  const r = await db
    .selectFrom("projects")
    .select(COLUMNS)
    .where("ecosystem", "=", ecosystem)
    .where("normalized_name", "=", normalizedName)
    .executeTakeFirst();
  return r ? toProject(r) : null;
}

export async function getProjectById(db: DbExecutor, id: string): Promise<Project | null> {
  const r = await db.selectFrom("projects").select(COLUMNS).where("id", "=", id).executeTakeFirst();
  return r ? toProject(r) : null;
}

/** Projects by normalized name (for scoping tokens by name); unknown names are simply absent. */
export async function findProjectsByNames(
  db: DbExecutor,
  ecosystem: Ecosystem,
  normalizedNames: string[],
): Promise<Project[]> {
  if (normalizedNames.length === 0) return [];
  const rows = await db
    .selectFrom("projects")
    .select(COLUMNS)
    .where("ecosystem", "=", ecosystem)
    .where("normalized_name", "in", normalizedNames)
    .execute();
  return rows.map(toProject);
}

/**
 * A project whose ultranormalized name equals `ultra`: creating `normalizedName` would be a look-alike
 * of it (typosquatting: "reqeusts" vs "requests" is not caught here, but "request-s", "Requ3sts"-style
 * separator and l/1, o/0 games are). No one is exempt, not even the twin's maintainers (issue 13 item
 * 8: an owner team's `a1ice-demo` fools users as well as a stranger's). Only an operator's audited
 * allowance of this exact name (lookalike_allowances, migration 018) lets it through.
 */
export async function findLookalike(
  db: DbExecutor,
  ecosystem: Ecosystem,
  ultra: string,
  normalizedName: string,
): Promise<Project | null> {
  const twin = await db
    .selectFrom("projects")
    .select(COLUMNS)
    .where("ecosystem", "=", ecosystem)
    .where("ultranormalized_name", "=", ultra)
    .where("normalized_name", "!=", normalizedName)
    .orderBy("created_at")
    .executeTakeFirst();
  if (!twin) return null;
  const allowed = await db
    .selectFrom("lookalike_allowances")
    .select("normalized_name")
    .where("ecosystem", "=", ecosystem)
    .where("normalized_name", "=", normalizedName)
    .executeTakeFirst();
  return allowed ? null : toProject(twin);
}

/**
 * Whether an operator prohibited this name (typosquats of critical projects, reserved words). Only
 * creation is refused: a project that already has the name keeps working.
 */
export async function isProhibitedName(
  db: DbExecutor,
  ecosystem: Ecosystem,
  normalizedName: string,
): Promise<boolean> {
  const r = await db
    .selectFrom("prohibited_names")
    .select("normalized_name")
    .where("ecosystem", "=", ecosystem)
    .where("normalized_name", "=", normalizedName)
    .executeTakeFirst();
  return Boolean(r);
}

export async function insertProject(
  db: DbExecutor,
  now: number,
  p: { ecosystem: Ecosystem; name: string; normalizedName: string; ultranormalizedName: string },
): Promise<Project> {
  const row = {
    id: newId(now),
    ecosystem: p.ecosystem,
    name: p.name,
    normalized_name: p.normalizedName,
    ultranormalized_name: p.ultranormalizedName,
    created_at: now,
    upload_limit_bytes: null,
    serial: 1,
    quarantined_at: null,
    quarantine_reason: null,
  };
  await db.insertInto("projects").values(row).execute();
  return toProject(row);
}

/**
 * Marks the project changed; index caches compare serials (see packages/changes.ts). With `at`, the
 * change is one to the public document (deprecation, tags, owners, unpublish): npm's `time.modified`.
 */
export async function bumpSerial(db: DbExecutor, projectId: string, at?: number): Promise<void> {
  await db
    .updateTable("projects")
    .set((eb) => ({ serial: eb("serial", "+", 1), ...(at === undefined ? {} : { modified_at: at }) }))
    .where("id", "=", projectId)
    .execute();
}

export async function setUploadLimit(db: DbExecutor, projectId: string, bytes: number | null): Promise<void> {
  await db.updateTable("projects").set({ upload_limit_bytes: bytes }).where("id", "=", projectId).execute();
}

/** An ecosystem's public projects (quarantined ones are left out: installers must not see them). */
export async function listProjects(db: DbExecutor, ecosystem: Ecosystem): Promise<Project[]> {
  const rows = await db
    .selectFrom("projects")
    .select(COLUMNS)
    .where("ecosystem", "=", ecosystem)
    .where("quarantined_at", "is", null)
    .orderBy("normalized_name")
    .execute();
  return rows.map(toProject);
}

/**
 * The names of an ecosystem's public projects, in `normalized_name` order: what an index listing needs
 * and nothing else. At 100,000 projects reading every column and building full Project objects
 * (listProjects) was most of the first `/simple/` request's cost (~0.65 s of query plus the garbage it
 * left; bench/simple-root.mjs).
 */
export async function listProjectNames(
  db: DbExecutor,
  ecosystem: Ecosystem,
): Promise<{ id: string; name: string; normalizedName: string }[]> {
  return db
    .selectFrom("projects")
    .select(["id", "name", "normalized_name as normalizedName"])
    .where("ecosystem", "=", ecosystem)
    .where("quarantined_at", "is", null)
    .orderBy("normalized_name")
    .execute();
}

/**
 * One page of an ecosystem's projects in name order, after `after` (a normalized name; keyset on the
 * unique (ecosystem, normalized_name) index, so any page costs what the first costs). `limit + 1` rows.
 */
export async function listProjectsPage(
  db: DbExecutor,
  ecosystem: Ecosystem,
  after: string | null,
  limit: number,
): Promise<Project[]> {
  let q = db.selectFrom("projects").select(COLUMNS).where("ecosystem", "=", ecosystem);
  if (after !== null) q = q.where("normalized_name", ">", after);
  const rows = await q
    .orderBy("normalized_name")
    .limit(limit + 1)
    .execute();
  return rows.map(toProject);
}

/**
 * Name search: prefix matches first, then substring matches, alphabetical within each; one page of them
 * in one query (the rank is in the ORDER BY, so no matching row is loaded beyond the page). Fetches
 * `limit + 1` rows: the extra one tells the caller a next page exists (lib/paging.ts toPage).
 */
export async function searchProjects(
  db: DbExecutor,
  query: string,
  page: { offset: number; limit: number } = { offset: 0, limit: 50 },
): Promise<Project[]> {
  // Normalize like names are (runs of -_. become -), then drop LIKE's wildcard characters.
  const q = query
    .trim()
    .toLowerCase()
    .replace(/[-_.]+/g, "-")
    .replace(/[%\\]/g, "");
  if (!q) return [];
  // The trigram index (search.ts) instead of a scan of every name where it is cheaper: a query that
  // found nothing cost 11 ms of CPU at 100,000 projects, 1.5 ms at 1,000 (bench/growth.mjs).
  const narrowed = await trigramCandidates(db, q);
  if (narrowed?.length === 0) return [];
  let matching = db
    .selectFrom("projects")
    .select(COLUMNS)
    .where("normalized_name", "like", `%${q}%`)
    .where("quarantined_at", "is", null);
  if (narrowed) matching = matching.where("id", "in", narrowed);
  const rows = await matching
    .orderBy(sql`case when normalized_name like ${`${q}%`} then 0 else 1 end`)
    .orderBy("normalized_name")
    .orderBy("ecosystem")
    .limit(page.limit + 1)
    .offset(page.offset)
    .execute();
  return rows.map(toProject);
}
