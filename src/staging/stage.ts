import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { Grant } from "../authz/index.js";
import { isUniqueViolation, lockKey, type Tx, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { newId } from "../lib/ids.js";
import { queueNotification } from "../notify/index.js";
import * as mails from "../notify/templates/packages.js";
import {
  blobKeyFor,
  filenameEverUsed,
  findRelease,
  mailableOwners,
  type NewRelease,
  type Project,
  type PublishInput,
  packageErrors,
  recordProjectEvent,
} from "../packages/index.js";
import { type BlobContent, putWithRow } from "../storage/index.js";
import { stagingErrors } from "./errors.js";
import { type ActorType, findDraft, findStaged, type StagedRelease } from "./store.js";

export interface StageInput {
  /** authorize()'s "upload" grant for `project` (the same decision a direct publish takes). */
  grant: Grant;
  project: Project;
  release: Omit<NewRelease, "projectId">;
  /** npm: the dist-tag approval points at the version. */
  tag: string | null;
  file: PublishInput["file"];
  content: () => BlobContent | Promise<BlobContent>;
  coreMetadata?: () => Readable;
  /**
   * PyPI: twine uploads a release one file at a time, so later files join the version's open draft.
   * npm: one tarball is the whole release; a second staging of the version is refused.
   */
  joinDraft: boolean;
  /** The policy that staged it asked for a phishing-resistant approval (grant.stage). */
  phishingResistant: boolean;
}

export interface StageResult {
  staged: StagedRelease;
  /** True for the upload that opened the draft (the owners' mail went out with it). */
  created: boolean;
}

/** What kind of credential published: a person's session, an API token, or a trusted publisher's. */
export function actorTypeOf(grant: Grant): ActorType {
  const t = grant.actor.token;
  if (!t) return "session";
  return t.publisher ? "trusted-publisher" : "token";
}

/**
 * Stages one file: its blob is stored under its final key (as a direct upload's) and a staged_files row
 * names it, in one transaction with the draft it belongs to; nothing reads staged_files to serve
 * installers, so the file stays invisible until approval. The draft's creation records an event and
 * queues one mail per owner with the approval link, in the same transaction.
 */
export async function stageFile(deps: Deps, ctx: EventContext, input: StageInput): Promise<StageResult> {
  const { project } = input;
  const grant = input.grant.require("upload", project.id);
  const now = deps.clock.now();
  const name = input.file.filename;
  if (await filenameEverUsed(deps.db, name)) throw packageErrors.FILE_EXISTS();
  if (await findRelease(deps.db, project.id, input.release.canonicalVersion))
    throw stagingErrors.VERSION_PUBLISHED(
      `${project.name} ${input.release.version} is already published: stage a new version instead.`,
    );
  const blobKey = blobKeyFor(project.ecosystem, input.file.sha256, name);
  const metadataBlobKey = input.coreMetadata ? `${blobKey}.metadata` : null;
  try {
    const out = await putWithRow(deps.blobs, await input.content(), blobKey, async (_s, commitFile) => {
      const work = (commitMeta?: () => Promise<void>) =>
        transaction(deps.db, async (tx) => {
          // One draft per version even when a CI matrix uploads its wheels at the same moment.
          await lockKey(tx, deps.dialect, `wharf:stage:${project.id}:${input.release.canonicalVersion}`);
          let draft = await findDraft(tx, project.id, input.release.canonicalVersion);
          if (draft && !input.joinDraft)
            throw stagingErrors.ALREADY_STAGED(
              `${project.name} ${input.release.version} is already staged (id ${draft.id}); approve or reject it first.`,
            );
          if (draft && draft.expiresAt <= now) throw stagingErrors.EXPIRED();
          const created = !draft;
          const id = draft?.id ?? randomUUID();
          if (!draft) {
            await tx
              .insertInto("staged_releases")
              .values({
                id,
                project_id: project.id,
                ecosystem: project.ecosystem,
                version: input.release.version,
                canonical_version: input.release.canonicalVersion,
                tag: input.tag,
                release_json: JSON.stringify(input.release),
                actor_id: grant.actor.userId,
                actor_type: actorTypeOf(grant),
                token_id: grant.actor.token?.tokenId ?? null,
                created_at: now,
                expires_at: now + deps.config.stagedReleaseMs,
                state: "staged",
                phishing_resistant: input.phishingResistant ? 1 : 0,
                decided_by: null,
                decided_at: null,
                decided_factor: null,
              })
              .execute();
          } else if (input.phishingResistant && !draft.phishingResistant) {
            // A later file staged under a stricter rule makes the whole draft need the stricter approval.
            await tx
              .updateTable("staged_releases")
              .set({ phishing_resistant: 1 })
              .where("id", "=", id)
              .execute();
          }
          await tx
            .insertInto("staged_files")
            .values({
              id: newId(now),
              staged_release_id: id,
              filename: name,
              file_json: JSON.stringify({ ...input.file, blobKey, metadataBlobKey }),
              blob_key: blobKey,
              metadata_blob_key: metadataBlobKey,
              size: input.file.size,
              sha256: input.file.sha256,
              created_at: now,
            })
            .execute();
          if (created) await announce(deps, tx, now, ctx, { id, project, input, grant });
          await commitFile();
          if (commitMeta) await commitMeta();
          draft = await findStaged(tx, id);
          return { staged: draft!, created };
        });
      const metadata = input.coreMetadata;
      return metadata && metadataBlobKey
        ? putWithRow(deps.blobs, metadata(), metadataBlobKey, (_m, commitMeta) => work(commitMeta))
        : work();
    });
    return out;
  } catch (e) {
    // The same file name staged twice at once: the unique name let exactly one in.
    if (isUniqueViolation(e)) throw packageErrors.FILE_EXISTS();
    throw e;
  }
}

async function announce(
  deps: Deps,
  tx: Tx,
  now: number,
  ctx: EventContext,
  s: { id: string; project: Project; input: StageInput; grant: Grant },
): Promise<void> {
  const by = (
    await tx.selectFrom("users").select("username").where("id", "=", s.grant.actor.userId).executeTakeFirst()
  )?.username;
  const kind = actorTypeOf(s.grant);
  const who = `${by ?? "someone"}${kind === "session" ? "" : ` (with ${kind === "token" ? "an API token" : "a trusted publisher"})`}`;
  await recordProjectEvent(tx, now, ctx, {
    type: "release.staged",
    projectId: s.project.id,
    projectName: s.project.name,
    actorId: s.grant.actor.userId,
    data: {
      version: s.input.release.version,
      stageId: s.id,
      ...(s.grant.actor.token ? { tokenId: s.grant.actor.token.tokenId } : {}),
    },
  });
  const owners = await mailableOwners(tx, s.project.id);
  const expires = new Date(now + deps.config.stagedReleaseMs).toISOString().slice(0, 16).replace("T", " ");
  for (const o of owners)
    await queueNotification(tx, now, o.id, {
      to: o.email,
      template: mails.releaseStaged,
      vars: {
        username: o.username,
        project: s.project.name,
        version: s.input.release.version,
        by: who,
        link: `${deps.config.origin}/staged/${s.id}`,
        expires: `${expires} UTC`,
      },
    });
}
