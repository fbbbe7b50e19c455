import type { Grant } from "../authz/index.js";
import { type Tx, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import {
  filenameEverUsed,
  findRelease,
  getProjectById,
  packageErrors,
  putDistTag,
  recordProjectEvent,
  renderNewRelease,
  writeFilesInTx,
} from "../packages/index.js";
import { stagingErrors } from "./errors.js";
import { findStaged, type StagedRelease } from "./store.js";

/**
 * The second factor the approver gave for this very request: verified by the surface just now (an
 * OTP in npm's `npm-otp` or npm's browser hand-off, a WebAuthn assertion or TOTP on the web page).
 * A token or a sudo window alone is never one (issue 16: "a token alone never approves").
 */
export type ApprovalFactor = "totp" | "recovery" | "webauthn" | "browser";

export interface Decision {
  /** authorize()'s "approve-staged" grant for the staged release's project. */
  grant: Grant;
  factor: ApprovalFactor | null;
}

async function pending(deps: Deps, id: string, d: Decision): Promise<StagedRelease> {
  const s = await findStaged(deps.db, id);
  if (!s) throw stagingErrors.NOT_FOUND();
  d.grant.require("approve-staged", s.projectId);
  if (!d.factor) throw stagingErrors.SECOND_FACTOR_REQUIRED();
  if (s.state !== "staged") throw stagingErrors.NOT_PENDING();
  if (s.expiresAt <= deps.clock.now()) throw stagingErrors.EXPIRED();
  return s;
}

/**
 * Only a security key or passkey approves when the rule the release was staged under, or the rule in
 * force now (authorize()'s `stage` on the approve-staged grant), is phishing-resistant: the stricter
 * wins, so tightening the rule also covers releases already waiting.
 */
function keyOnly(s: Pick<StagedRelease, "phishingResistant">, d: { grant: Grant }): boolean {
  return s.phishingResistant || d.grant.stage?.phishingResistant === true;
}

/** Compare-and-swap on the state: of two decisions racing, exactly one moves it out of "staged". */
async function claim(
  tx: Tx,
  s: StagedRelease,
  now: number,
  to: "approved" | "rejected" | "expired",
  by: string | null,
  factor: ApprovalFactor | null,
): Promise<boolean> {
  let q = tx
    .updateTable("staged_releases")
    .set({ state: to, decided_by: by, decided_at: now, decided_factor: factor })
    .where("id", "=", s.id)
    .where("state", "=", "staged");
  q = to === "expired" ? q.where("expires_at", "<=", now) : q.where("expires_at", ">", now);
  const r = await q.executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/**
 * Publishes a staged release, all its files at once: one transaction moves the state, writes the
 * release and every file through the publish's own writer (packages.writeFilesInTx: the same rows,
 * events, serial and dependency edges as a direct upload) and points the npm dist-tag. It refuses,
 * with nothing written, when the version or a file name was published meanwhile, or when another
 * decision won. The blobs are already under their final keys: nothing is copied.
 */
export async function approveStaged(
  deps: Deps,
  ctx: EventContext,
  id: string,
  d: Decision,
): Promise<StagedRelease> {
  const s = await pending(deps, id, d);
  if (keyOnly(s, d) && d.factor !== "webauthn")
    throw stagingErrors.PHISHING_RESISTANT_REQUIRED(
      `${s.projectName} ${s.version} must be approved with a security key or passkey: approve it at ${deps.config.origin}/staged/${s.id}`,
    );
  const described = await renderNewRelease(s.release);
  const now = deps.clock.now();
  const approver = d.grant.actor.userId;
  const project = await transaction(deps.db, async (tx) => {
    if (!(await claim(tx, s, now, "approved", approver, d.factor))) throw stagingErrors.NOT_PENDING();
    const project = await getProjectById(tx, s.projectId);
    if (!project) throw stagingErrors.NOT_FOUND();
    if (await findRelease(tx, project.id, s.canonicalVersion))
      throw stagingErrors.VERSION_PUBLISHED(
        `${project.name} ${s.version} was published meanwhile; reject this staged release and stage a new version.`,
      );
    for (const f of s.files) if (await filenameEverUsed(tx, f.filename)) throw packageErrors.FILE_EXISTS();
    await writeFilesInTx(tx, now, ctx, {
      project,
      release: s.release,
      described,
      files: s.files.map((f) => f.record),
      uploadedBy: s.actorId,
      tokenId: s.tokenId ?? undefined,
      eventData: { stageId: s.id, approvedBy: approver },
      alsoInTransaction: s.tag
        ? async (t, { project: p }) => {
            await putDistTag(t, now, p.id, s.tag!, s.version);
            // `latest` must exist, as for a direct publish (protocols/npm/publish.ts).
            const latest = await t
              .selectFrom("dist_tags")
              .select("tag")
              .where("project_id", "=", p.id)
              .where("tag", "=", "latest")
              .executeTakeFirst();
            if (!latest) await putDistTag(t, now, p.id, "latest", s.version);
          }
        : undefined,
    });
    await tx.deleteFrom("staged_files").where("staged_release_id", "=", s.id).execute();
    await recordProjectEvent(tx, now, ctx, {
      type: "release.approved",
      projectId: project.id,
      projectName: project.name,
      actorId: approver,
      people: [s.actorId],
      data: { version: s.version, stageId: s.id, factor: d.factor, files: s.files.length },
    });
    return project;
  });
  await deps.changes.publish(project.id);
  return { ...s, state: "approved", decidedBy: approver, decidedAt: now };
}

/**
 * Removes a staged release's files. Their names are journaled as a deleted file's are, so a rejected
 * file name (and an npm version number) is never used again for other bytes. Any second factor rejects,
 * even where only a key may approve: rejecting publishes nothing, and a maintainer without their key at
 * hand must still be able to stop a release they did not expect.
 */
export async function rejectStaged(
  deps: Deps,
  ctx: EventContext,
  id: string,
  d: Decision,
): Promise<StagedRelease> {
  const s = await pending(deps, id, d);
  const now = deps.clock.now();
  const by = d.grant.actor.userId;
  await transaction(deps.db, async (tx) => {
    if (!(await claim(tx, s, now, "rejected", by, d.factor))) throw stagingErrors.NOT_PENDING();
    await retire(tx, s, now);
    await recordProjectEvent(tx, now, ctx, {
      type: "release.rejected",
      projectId: s.projectId,
      projectName: s.projectName,
      actorId: by,
      people: [s.actorId],
      data: { version: s.version, stageId: s.id, factor: d.factor },
    });
  });
  await removeBlobs(deps, s);
  return { ...s, state: "rejected", decidedBy: by, decidedAt: now };
}

/** Housekeeping: staged releases past their time expire; their files go as a rejected release's. */
export async function expireStaged(deps: Pick<Deps, "db" | "clock" | "blobs">, limit = 100): Promise<number> {
  const now = deps.clock.now();
  const due = await deps.db
    .selectFrom("staged_releases")
    .select("id")
    .where("state", "=", "staged")
    .where("expires_at", "<=", now)
    .orderBy("expires_at")
    .limit(limit)
    .execute();
  let n = 0;
  for (const { id } of due) {
    const s = await findStaged(deps.db, id);
    if (!s) continue;
    const won = await transaction(deps.db, async (tx) => {
      if (!(await claim(tx, s, now, "expired", null, null))) return false;
      await retire(tx, s, now);
      await recordProjectEvent(
        tx,
        now,
        {},
        {
          type: "release.stage_expired",
          projectId: s.projectId,
          projectName: s.projectName,
          actorId: null,
          people: [s.actorId],
          data: { version: s.version, stageId: s.id },
        },
      );
      return true;
    });
    if (!won) continue;
    await removeBlobs(deps, s);
    n++;
  }
  return n;
}

async function retire(tx: Tx, s: StagedRelease, now: number): Promise<void> {
  for (const f of s.files)
    await tx
      .insertInto("filename_journal")
      .values({ filename: f.filename, project_id: s.projectId, created_at: now })
      .onConflict((oc) => oc.column("filename").doNothing())
      .execute();
  await tx.deleteFrom("staged_files").where("staged_release_id", "=", s.id).execute();
}

/** After commit: the rows naming them are gone; the reconcile job would remove a blob left behind. */
async function removeBlobs(deps: Pick<Deps, "blobs">, s: StagedRelease): Promise<void> {
  for (const f of s.files)
    for (const key of [f.blobKey, f.metadataBlobKey]) if (key) await deps.blobs.delete(key).catch(() => {});
}
