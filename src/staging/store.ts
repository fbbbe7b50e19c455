import type { DbExecutor } from "../db/index.js";
import type { Ecosystem, NewPublishedFile, NewRelease } from "../packages/index.js";

export type StageState = "staged" | "approved" | "rejected" | "expired";
export type ActorType = "token" | "trusted-publisher" | "session";

export interface StagedFile {
  id: string;
  filename: string;
  blobKey: string;
  metadataBlobKey: string | null;
  size: number;
  sha256: string;
  /** Everything the publish writes into `files` (packagetype, digests, ...). */
  record: NewPublishedFile;
}

export interface StagedRelease {
  id: string;
  projectId: string;
  projectName: string;
  normalizedName: string;
  ecosystem: Ecosystem;
  version: string;
  canonicalVersion: string;
  tag: string | null;
  release: Omit<NewRelease, "projectId">;
  actorId: string;
  actorName: string;
  actorType: ActorType;
  tokenId: string | null;
  createdAt: number;
  expiresAt: number;
  state: StageState;
  phishingResistant: boolean;
  decidedBy: string | null;
  decidedAt: number | null;
  files: StagedFile[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isStageId = (id: string): boolean => UUID.test(id);

function query(db: DbExecutor) {
  return db
    .selectFrom("staged_releases as s")
    .innerJoin("projects as p", "p.id", "s.project_id")
    .leftJoin("users as u", "u.id", "s.actor_id")
    .selectAll("s")
    .select(["p.name as project_name", "p.normalized_name", "u.username"]);
}
type Row = Awaited<ReturnType<ReturnType<typeof query>["executeTakeFirstOrThrow"]>>;

async function withFiles(db: DbExecutor, rows: Row[]): Promise<StagedRelease[]> {
  if (rows.length === 0) return [];
  const files = await db
    .selectFrom("staged_files")
    .selectAll()
    .where(
      "staged_release_id",
      "in",
      rows.map((r) => r.id),
    )
    .orderBy("filename")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    projectId: r.project_id,
    projectName: r.project_name,
    normalizedName: r.normalized_name,
    ecosystem: r.ecosystem as Ecosystem,
    version: r.version,
    canonicalVersion: r.canonical_version,
    tag: r.tag,
    release: JSON.parse(r.release_json) as Omit<NewRelease, "projectId">,
    actorId: r.actor_id,
    actorName: r.username ?? "(deleted user)",
    actorType: r.actor_type as ActorType,
    tokenId: r.token_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    state: r.state as StageState,
    phishingResistant: r.phishing_resistant === 1,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    files: files
      .filter((f) => f.staged_release_id === r.id)
      .map((f) => ({
        id: f.id,
        filename: f.filename,
        blobKey: f.blob_key,
        metadataBlobKey: f.metadata_blob_key,
        size: f.size,
        sha256: f.sha256,
        record: JSON.parse(f.file_json) as NewPublishedFile,
      })),
  }));
}

export async function findStaged(db: DbExecutor, id: string): Promise<StagedRelease | null> {
  if (!isStageId(id)) return null;
  const r = await query(db).where("s.id", "=", id).executeTakeFirst();
  return r ? ((await withFiles(db, [r]))[0] ?? null) : null;
}

/** The pending draft of one version (PyPI: every file of the release lands in it). */
export async function findDraft(
  db: DbExecutor,
  projectId: string,
  canonicalVersion: string,
): Promise<StagedRelease | null> {
  const r = await query(db)
    .where("s.project_id", "=", projectId)
    .where("s.canonical_version", "=", canonicalVersion)
    .where("s.state", "=", "staged")
    .executeTakeFirst();
  return r ? ((await withFiles(db, [r]))[0] ?? null) : null;
}

/**
 * Pending staged releases of the projects `userId` maintains (or of one project), newest first: what a
 * maintainer may approve. `now` leaves out the expired ones housekeeping has not reached yet.
 */
export async function listPending(
  db: DbExecutor,
  opts: { userId: string; projectId?: string; now: number; offset?: number; limit?: number },
): Promise<{ items: StagedRelease[]; total: number }> {
  let base = db
    .selectFrom("staged_releases as s")
    .innerJoin("roles as r", (j) =>
      j.onRef("r.project_id", "=", "s.project_id").on("r.user_id", "=", opts.userId),
    )
    .where("s.state", "=", "staged")
    .where("s.expires_at", ">", opts.now);
  if (opts.projectId) base = base.where("s.project_id", "=", opts.projectId);
  const total = Number(
    (await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst())?.n ?? 0,
  );
  const ids = await base
    .select("s.id")
    .orderBy("s.created_at", "desc")
    .orderBy("s.id")
    .offset(opts.offset ?? 0)
    .limit(opts.limit ?? 100)
    .execute();
  if (ids.length === 0) return { items: [], total };
  const rows = await query(db)
    .where(
      "s.id",
      "in",
      ids.map((i) => i.id),
    )
    .orderBy("s.created_at", "desc")
    .orderBy("s.id")
    .execute();
  return { items: await withFiles(db, rows), total };
}

/** The staged file a maintainer downloads to test (the preview index, `npm stage download`). */
export async function findStagedFile(
  db: DbExecutor,
  stageId: string,
  filename: string,
): Promise<StagedFile | null> {
  const s = await findStaged(db, stageId);
  return s?.files.find((f) => f.filename === filename) ?? null;
}
