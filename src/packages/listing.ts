import type { Selectable } from "kysely";
import type { DbExecutor } from "../db/index.js";
import type { ReleasesTable } from "../db/schema.js";
import { type FileRecord, type ListedRelease, listedColumns, toFile } from "./releases.js";

/*
 * The incremental listing (issue 15, re-render after a write): every release of a project with its
 * files, kept in memory with the project's `listing_seq` it reflects (migration 039), so that after a
 * write a read model reads only the releases the write touched (`listing_changes`), not the whole
 * history again. What is kept is only ever a faster way to the same rows: every read asks the database
 * for the project's current number first, and anything it cannot account for — no kept listing, a
 * number behind or ahead of the log, a gap in it, more changes than a delta is worth — reads everything.
 * So it needs no message from the change feed: another instance's write is in the log like this one's.
 *
 * Releases and their file lists are never mutated once read: a change replaces the release's object,
 * so a renderer may key what it derives from one (a serialised fragment) by the object itself.
 */

interface Kept {
  seq: number;
  /** Oldest first (created_at, then id). */
  releases: ListedRelease[];
}

/** Beyond this many changes since the kept listing, one full read costs less than the delta. */
const MAX_DELTA = 500;
/** Ids per query: well under SQLite's and PostgreSQL's limits on bound parameters. */
const ID_BATCH = 500;

/**
 * Kept listings by project id, least recently read dropped first beyond the release budget: 100,000
 * releases, ~1 KB each with two files' rows (hashes, blob keys, names), so ~100 MB at worst per store.
 */
export class ListingStore {
  private projects = new Map<string, Kept>();
  private releases = 0;
  /** For tests and metrics: how the last reads went. */
  readonly reads = { full: 0, delta: 0, unchanged: 0 };

  constructor(private readonly maxReleases = 100_000) {}

  get(projectId: string): Kept | undefined {
    return this.projects.get(projectId);
  }

  put(projectId: string, kept: Kept): void {
    const old = this.projects.get(projectId);
    if (old) this.releases -= old.releases.length;
    this.projects.delete(projectId);
    this.projects.set(projectId, kept);
    this.releases += kept.releases.length;
    for (const [id, k] of this.projects) {
      if (this.releases <= this.maxReleases) break;
      this.projects.delete(id);
      this.releases -= k.releases.length;
    }
  }
}

const byAge = (a: ListedRelease, b: ListedRelease) =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Every release of a project with its files (file name order), oldest first (created_at, then id); with
 * a store, read incrementally. The array is the caller's (sort it at will); the
 * releases in it are shared and must not be mutated.
 */
export async function readListing(
  db: DbExecutor,
  projectId: string,
  store?: ListingStore,
): Promise<ListedRelease[]> {
  const seq = await currentSeq(db, projectId);
  const kept = store?.get(projectId);
  let next: Kept | null = null;
  if (store && kept && seq !== null && kept.seq === seq) {
    store.reads.unchanged++;
    next = kept;
  } else if (store && kept && seq !== null && seq > kept.seq && seq - kept.seq <= MAX_DELTA) {
    next = await readDelta(db, projectId, kept, seq);
    if (next) store.reads.delta++;
  }
  if (!next) {
    next = { seq: seq ?? -1, releases: await readAll(db, projectId) };
    if (store) store.reads.full++;
  }
  if (store && seq !== null) store.put(projectId, next);
  return [...next.releases];
}

async function currentSeq(db: DbExecutor, projectId: string): Promise<number | null> {
  const row = await db
    .selectFrom("projects")
    .select("listing_seq")
    .where("id", "=", projectId)
    .executeTakeFirst();
  return row ? Number(row.listing_seq) : null;
}

/**
 * The kept listing brought up to at least `seq`: the log's entries after the kept number must be
 * contiguous and reach `seq` (every number is committed with its change, and one project's numbers
 * commit in order, migration 039), else null (read everything). The rows of the named releases are
 * read after the log, so they are at least as new as the last entry seen; a row newer still is read
 * again by the next delta, which is harmless.
 */
async function readDelta(db: DbExecutor, projectId: string, kept: Kept, seq: number): Promise<Kept | null> {
  const log = await db
    .selectFrom("listing_changes")
    .select(["seq", "release_id"])
    .where("project_id", "=", projectId)
    .where("seq", ">", kept.seq)
    .orderBy("seq")
    .limit(MAX_DELTA + 1)
    .execute();
  let expected = kept.seq + 1;
  for (const e of log) {
    if (Number(e.seq) !== expected) return null;
    expected++;
  }
  const last = expected - 1;
  if (last < seq || log.length > MAX_DELTA) return null;
  const ids = [...new Set(log.map((e) => e.release_id))];
  const fresh = new Map<string, ListedRelease>();
  for (let i = 0; i < ids.length; i += ID_BATCH) {
    const batch = ids.slice(i, i + ID_BATCH);
    const [rows, files] = await Promise.all([
      db.selectFrom("releases").select(listedColumns).where("id", "in", batch).execute(),
      db.selectFrom("files").selectAll().where("release_id", "in", batch).orderBy("filename").execute(),
    ]);
    const filesOf = groupFiles(files.map(toFile));
    // A release moved to another project (never done) would leave this listing: fail towards a full read.
    if (rows.some((r) => r.project_id !== projectId)) return null;
    for (const r of rows) fresh.set(r.id, listed(r, filesOf.get(r.id) ?? []));
  }
  const changed = new Set(ids);
  const releases: ListedRelease[] = [];
  let sorted = true;
  for (const r of kept.releases) {
    if (!changed.has(r.id)) releases.push(r);
    else {
      const now = fresh.get(r.id);
      if (now) releases.push(now);
      fresh.delete(r.id);
      if (now && now.createdAt !== r.createdAt) sorted = false;
    }
  }
  // New releases: almost always newer than every kept one (an append); anything else sorts once.
  for (const r of [...fresh.values()].sort(byAge)) {
    const tail = releases.at(-1);
    if (tail && byAge(tail, r) > 0) sorted = false;
    releases.push(r);
  }
  if (!sorted) releases.sort(byAge);
  return { seq: last, releases };
}

async function readAll(db: DbExecutor, projectId: string): Promise<ListedRelease[]> {
  const [rows, files] = await Promise.all([
    db
      .selectFrom("releases")
      .select(listedColumns)
      .where("project_id", "=", projectId)
      .orderBy("created_at")
      .orderBy("id")
      .execute(),
    db.selectFrom("files").selectAll().where("project_id", "=", projectId).orderBy("filename").execute(),
  ]);
  const filesOf = groupFiles(files.map(toFile));
  return rows.map((r) => listed(r, filesOf.get(r.id) ?? []));
}

function groupFiles(files: FileRecord[]): Map<string, FileRecord[]> {
  const out = new Map<string, FileRecord[]>();
  for (const f of files) {
    const list = out.get(f.releaseId);
    if (list) list.push(f);
    else out.set(f.releaseId, [f]);
  }
  return out;
}

/** The release columns a listing reads (releases.ts `listedColumns`). */
type ListedRow = Pick<
  Selectable<ReleasesTable>,
  | "id"
  | "project_id"
  | "version"
  | "canonical_version"
  | "created_at"
  | "yanked_at"
  | "yanked_reason"
  | "requires_python"
  | "metadata_rev"
>;

const listed = (r: ListedRow, files: FileRecord[]): ListedRelease => ({
  id: r.id,
  projectId: r.project_id,
  version: r.version,
  canonicalVersion: r.canonical_version,
  createdAt: Number(r.created_at),
  yankedAt: r.yanked_at === null ? null : Number(r.yanked_at),
  yankedReason: r.yanked_reason,
  requiresPython: r.requires_python,
  metadataRev: r.metadata_rev,
  files,
});
