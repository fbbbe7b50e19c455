import type { Readable } from "node:stream";
import type { Grant } from "../authz/index.js";
import { isUniqueViolation, lockKey, type Tx, transaction } from "../db/index.js";
import { refreshDependencies } from "../dependents/index.js";
import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import { AppError } from "../lib/errors.js";
import { type BlobContent, putWithRow } from "../storage/index.js";
import { renderNewRelease } from "./descriptions.js";
import { packageErrors } from "./errors.js";
import { recordProjectEvent } from "./events.js";
import {
  bumpSerial,
  type Ecosystem,
  findLookalike,
  findProject,
  insertProject,
  isProhibitedName,
  type Project,
} from "./projects.js";
import { recordProvenance } from "./provenance.js";
import { openQuarantine, tellOwnersOfHeldLookalike } from "./quarantine.js";
import { insertFile, insertRelease, type NewRelease } from "./release-writes.js";
import {
  type DescriptionColumns,
  type FileRecord,
  filenameEverUsed,
  findRelease,
  type Release,
} from "./releases.js";
import { addRole } from "./roles.js";
import { findTyposquatTarget } from "./typosquat.js";

export interface PublishInput {
  ecosystem: Ecosystem;
  project: { name: string; normalizedName: string; ultranormalizedName: string };
  release: Omit<NewRelease, "projectId">;
  file: Omit<FileRecord, "id" | "releaseId" | "uploadedAt" | "blobKey" | "metadataBlobKey">;
  /**
   * The file's bytes (already hashed and validated by the protocol), afresh for each attempt: a stream,
   * or a local file the blob store may take over (an upload spooled to disk: no second copy).
   */
  content: () => BlobContent | Promise<BlobContent>;
  /** Core metadata served beside the file (PEP 658), if any. */
  coreMetadata?: () => Readable;
  /**
   * authorize()'s answer for "upload" on the existing project, or "create-project" when there was none
   * when the surface asked (twine asks before spooling, npm before decoding: the one authorization).
   */
  grant: Grant;
  /**
   * Asked only when the project appeared after `grant` was given for creating it (a concurrent upload
   * created it): publishing into someone's project is then an upload, decided for that project.
   */
  authorizeUpload: (project: Project) => Promise<Grant>;
  /** More rows that must commit with the file or not at all (npm: the dist-tag naming the version). */
  alsoInTransaction?: (tx: Tx, r: { project: Project; release: Release }) => Promise<void>;
  /**
   * The second factor given for this very publish (npm's OTP or browser hand-off, gem's OTP), kept on
   * its file.uploaded event: the staging simulation (mandates/staging-replay.ts) tells an interactive
   * publish from a machine's by it.
   */
  secondFactor?: "totp" | "recovery" | "browser" | null;
}

export interface PublishResult {
  project: Project;
  release: Release;
  file: FileRecord;
  createdProject: boolean;
  /** A mandate in its warn phase: publishing works, the publisher must hear about it. */
  warning?: string;
  warnMandates?: string[];
}

/** Content-addressed, then named: two projects never share a key, and the name is kept for humans. */
export function blobKeyFor(ecosystem: Ecosystem, sha256: string, filename: string): string {
  return `${ecosystem}/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}/${filename}`;
}

/** Thrown inside the creating transaction when the project appeared meanwhile; publishFile retries. */
class ProjectCreatedMeanwhile extends Error {}

const lookalike = (input: PublishInput, twin: Project) =>
  packageErrors.LOOKALIKE(
    `The name '${input.project.name}' is too similar to the existing project '${twin.name}'.`,
  );

/**
 * The look-alike rule, race-free (issue 11, MEDIUM 9: creating `x-l` and `x-1` at the same moment let
 * both through, since each checked before the other committed). It cannot be a UNIQUE index: historic
 * look-alike pairs an operator allowed share an ultranormalized name. So creations of one ultranormalized
 * name take a lock and check inside the creating transaction.
 */
async function refuseLookalikeInTx(deps: Deps, tx: Tx, input: PublishInput): Promise<void> {
  const ultra = input.project.ultranormalizedName;
  await lockKey(tx, deps.dialect, `wharf:project-name:${input.ecosystem}:${ultra}`);
  const twin = await findLookalike(tx, input.ecosystem, ultra, input.project.normalizedName);
  if (twin) throw lookalike(input, twin);
}

const alreadyExists = () => packageErrors.FILE_EXISTS();

export type NewPublishedFile = PublishInput["file"] & { blobKey: string; metadataBlobKey: string | null };

/**
 * The rows a publish writes inside its transaction: the release when it is new, each file with its
 * event, whatever else must commit with them, the project's serial and its dependency edges. One path
 * for an upload (publishFile, one file) and for an approved staged release (all its files at once), so
 * both write exactly the same rows and events.
 */
export async function writeFilesInTx(
  tx: Tx,
  now: number,
  ctx: EventContext,
  w: {
    project: Project;
    release: Omit<NewRelease, "projectId">;
    described?: DescriptionColumns;
    files: NewPublishedFile[];
    uploadedBy: string;
    tokenId?: string;
    /** More event data on each file.uploaded (a staged release: its id and approver). */
    eventData?: Record<string, unknown>;
    alsoInTransaction?: PublishInput["alsoInTransaction"];
  },
): Promise<{ release: Release; files: FileRecord[] }> {
  const { project } = w;
  let release = await findRelease(tx, project.id, w.release.canonicalVersion);
  if (!release) {
    release = await insertRelease(tx, now, { ...w.release, projectId: project.id }, w.described);
    await recordProjectEvent(tx, now, ctx, {
      type: "release.created",
      projectId: project.id,
      projectName: project.name,
      actorId: w.uploadedBy,
      data: { version: release.version, ...w.eventData },
    });
  }
  const files: FileRecord[] = [];
  for (const f of w.files) {
    const file = await insertFile(tx, now, {
      ...f,
      projectId: project.id,
      releaseId: release.id,
      uploadedBy: w.uploadedBy,
    });
    files.push(file);
    await recordProjectEvent(tx, now, ctx, {
      type: "file.uploaded",
      projectId: project.id,
      projectName: project.name,
      actorId: w.uploadedBy,
      data: {
        filename: file.filename,
        version: release.version,
        sha256: file.sha256,
        ...(w.tokenId ? { tokenId: w.tokenId } : {}),
        ...w.eventData,
      },
    });
  }
  if (w.alsoInTransaction) await w.alsoInTransaction(tx, { project, release });
  await bumpSerial(tx, project.id);
  // A new release may be the new latest (npm: its dist-tag was just written above).
  await refreshDependencies(tx, project.id);
  return { release: { ...release, files: [...release.files, ...files] }, files };
}

/**
 * Publishes one file, ecosystem-neutral: the grant checked, project creation with the uploader as owner,
 * release creation, the file row and its blob(s), events — all in one transaction. The blob becomes
 * visible under its final key only when that transaction commits (storage/putWithRow).
 */
async function publishOnce(
  deps: Deps,
  ctx: EventContext,
  input: PublishInput,
  renderOnce: () => Promise<DescriptionColumns>,
): Promise<PublishResult> {
  const now = deps.clock.now();
  const existing = await findProject(deps.db, input.ecosystem, input.project.normalizedName);
  const grant =
    existing && input.grant.action === "create-project" ? await input.authorizeUpload(existing) : input.grant;
  if (existing) grant.require("upload", existing.id);
  else grant.require("create-project", null);
  const actor = grant.actor;
  // History shows "trusted publisher github:acme/widget release.yml" for CI uploads.
  const publishedBy = {
    ...(actor.token?.publisher ? { via: `trusted publisher ${actor.token.publisher.label}` } : {}),
    ...(input.secondFactor ? { secondFactor: input.secondFactor } : {}),
  };
  if (!existing) {
    // Only creation is refused: a project that already had the name before it was prohibited goes on.
    if (await isProhibitedName(deps.db, input.ecosystem, input.project.normalizedName))
      throw packageErrors.NAME_PROHIBITED(
        `The name '${input.project.name}' is not allowed on this registry.`,
      );
    // Early answer before the blob is stored; the binding check runs again inside the transaction.
    const twin = await findLookalike(
      deps.db,
      input.ecosystem,
      input.project.ultranormalizedName,
      input.project.normalizedName,
    );
    if (twin) throw lookalike(input, twin);
  }
  // Typosquats of protected names (issue 18): refused, or created in quarantine for an operator to review.
  const squat = existing
    ? null
    : await findTyposquatTarget(deps, input.ecosystem, input.project.name, input.project.normalizedName);
  const held = squat
    ? `The name '${input.project.name}' looks like the project '${squat.similarTo}' (${squat.reason})`
    : "";
  if (squat && deps.config.typosquatAction === "refuse")
    throw packageErrors.TYPOSQUAT(
      `${held}: choose another name, or ask the registry's operators to allow it.`,
    );
  if (await filenameEverUsed(deps.db, input.file.filename)) throw alreadyExists();
  // Refuse an exhausted budget before storing the blob; the point itself is spent at commit (below).
  if (!existing) await deps.limits.ensureLeft("projectCreateUser", actor.userId);
  // Rendered once per release, after authorization and before the transaction (which must not wait
  // on it): in the render worker, so a hostile description costs at most its time limit here.
  const newRelease = !existing || !(await findRelease(deps.db, existing.id, input.release.canonicalVersion));
  const described = newRelease ? await renderOnce() : undefined;

  const blobKey = blobKeyFor(input.ecosystem, input.file.sha256, input.file.filename);
  const metadataBlobKey = input.coreMetadata ? `${blobKey}.metadata` : null;
  try {
    const result = await putWithRow(deps.blobs, await input.content(), blobKey, async (_s, commitFile) => {
      const work = async (commitMeta?: () => Promise<void>) =>
        transaction(deps.db, async (tx) => {
          let project = await findProject(tx, input.ecosystem, input.project.normalizedName);
          // Someone created it since the grant to create it: the retry authorizes again, as an upload.
          if (project && !existing) throw new ProjectCreatedMeanwhile();
          const createdProject = !project;
          if (!project) {
            await refuseLookalikeInTx(deps, tx, input);
            project = await insertProject(tx, now, { ecosystem: input.ecosystem, ...input.project });
            await addRole(tx, now, project.id, actor.userId, "owner");
            await recordProjectEvent(tx, now, ctx, {
              type: "project.created",
              projectId: project.id,
              projectName: project.name,
              actorId: actor.userId,
            });
            if (squat) {
              await openQuarantine(tx, now, {
                projectId: project.id,
                kind: "typosquat",
                similarTo: squat.similarTo,
                reason: `Held for review: ${held.charAt(0).toLowerCase()}${held.slice(1)}.`,
                openedBy: "wharf",
              });
              await tellOwnersOfHeldLookalike(tx, now, {
                ecosystem: input.ecosystem,
                lookalike: project.name,
                similarTo: squat.similarTo,
                // "edit distance" is the matcher's word; an owner reads what it means.
                why: squat.reason === "edit distance" ? "one or two letters differ" : squat.reason,
              });
            }
          }
          const { release, files } = await writeFilesInTx(tx, now, ctx, {
            project,
            release: input.release,
            described,
            files: [{ ...input.file, blobKey, metadataBlobKey }],
            uploadedBy: actor.userId,
            tokenId: actor.token?.tokenId,
            eventData: publishedBy,
            alsoInTransaction: input.alsoInTransaction,
          });
          const file = files[0]!;
          // Trusted publishing (issue 16): where it was built, as the CI provider's token said.
          if (actor.token?.publisher)
            await recordProvenance(
              tx,
              now,
              { projectId: project.id, releaseId: release.id, fileId: file.id },
              // A monorepo's token covers several projects, each let in by its own publisher.
              {
                ...actor.token.publisher.claims,
                publisherId:
                  actor.token.publisher.byProject[project.id] ?? actor.token.publisher.claims.publisherId,
              },
            );
          // The creation budget is spent last, by a creation that is about to commit (issue 11, LOW 19):
          // a CI matrix racing to create one project spends one point, not one per job. Over budget,
          // the 429 rolls everything back.
          if (createdProject) await deps.limits.consume("projectCreateUser", actor.userId);
          await commitFile();
          if (commitMeta) await commitMeta();
          return { project, release, file, createdProject };
        });
      const metadata = input.coreMetadata;
      return metadata && metadataBlobKey
        ? putWithRow(deps.blobs, metadata(), metadataBlobKey, async (_m, commitMeta) => work(commitMeta))
        : work();
    });
    await deps.changes.publish(result.project.id);
    if (squat && result.createdProject) {
      const warning = `${held}, so it is held for review: nothing is installable until an operator approves it.`;
      return { ...result, warning: grant.warning ? `${grant.warning} ${warning}` : warning };
    }
    return grant.warning ? { ...result, warning: grant.warning, warnMandates: grant.warnMandates } : result;
  } catch (e) {
    // Two uploads of one name racing: the journal's primary key lets exactly one win.
    if (isUniqueViolation(e) && (await filenameEverUsed(deps.db, input.file.filename))) throw alreadyExists();
    throw e;
  }
}

/**
 * Publishes with a retry when a concurrent upload created the same project or release first (a CI
 * matrix uploading wheels in parallel does this). A 409 here would be wrong: `twine --skip-existing`
 * treats 409 as "already uploaded" and would silently drop the file. The retry runs every check again,
 * authorization included (authorizeUpload), since the other upload may have been someone else's.
 */
export async function publishFile(
  deps: Deps,
  ctx: EventContext,
  input: PublishInput,
): Promise<PublishResult> {
  let rendered: Promise<DescriptionColumns> | undefined;
  const renderOnce = () => {
    rendered ??= renderNewRelease(input.release);
    return rendered;
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await publishOnce(deps, ctx, input, renderOnce);
    } catch (e) {
      if (!isUniqueViolation(e) && !(e instanceof ProjectCreatedMeanwhile)) throw e;
      if (attempt >= 4) throw packageErrors.BUSY();
    }
  }
}
