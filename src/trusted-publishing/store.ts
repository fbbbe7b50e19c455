import type { Selectable } from "kysely";
import { afterCommit, type DbExecutor } from "../db/index.js";
import type { TrustedPublishersTable } from "../db/schema-trust.js";
import { type EcosystemName, ecosystemFor } from "../ecosystems/index.js";
import { type EventContext, type EventMail, type EventType, recordEvent } from "../events/index.js";
import { newId } from "../lib/ids.js";
import { type ChangeFeed, findProject, getProjectById } from "../packages/index.js";
import { trustErrors } from "./errors.js";
import { firstUseMails } from "./mails.js";
import { type Provider, publisherLabel, type TrustedPublisher } from "./publisher.js";

/** The built-in issuers; a self-managed GitLab passes its own (it must be in WHARF_OIDC_PROVIDERS). */
export const DEFAULT_ISSUERS: Record<Provider, string> = {
  github: "https://token.actions.githubusercontent.com",
  gitlab: "https://gitlab.com",
};

export interface NewPublisher {
  /** The project it publishes; omit and give `pending` for a project that does not exist yet. */
  projectId?: string;
  pending?: { ecosystem: EcosystemName; projectName: string };
  provider: Provider;
  /** Defaults to the provider's public issuer (DEFAULT_ISSUERS). */
  issuer?: string;
  /** GitHub "owner/repo"; GitLab "namespace/…/project". */
  repository: string;
  /** Known ids (the web form may not have them): recorded on first use otherwise. */
  repositoryId?: string | null;
  repositoryOwnerId?: string | null;
  /** GitHub workflow file name ("release.yml", ".github/workflows/release.yml" accepted); GitLab CI config path. */
  workflow: string;
  environment?: string | null;
  /** The account adding it (an owner; for a pending one, the account the project is reserved for). */
  createdBy: string;
}

type Row = Selectable<TrustedPublishersTable>;

export const toPublisher = (r: Row): TrustedPublisher => ({
  id: r.id,
  projectId: r.project_id,
  ecosystem: r.ecosystem as EcosystemName,
  pendingProjectName: r.project_id === null ? r.pending_project_name : null,
  provider: r.provider as Provider,
  issuer: r.issuer,
  repository: r.repository,
  repositoryId: r.repository_id,
  repositoryOwner: r.repository_owner,
  repositoryOwnerId: r.repository_owner_id,
  workflow: r.workflow,
  environment: r.environment,
  createdAt: r.created_at,
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at,
});

// GitHub owner and repository names: letters, digits, '-', '_', '.'; GitLab paths add nested groups.
const SEGMENT = /^[A-Za-z0-9_.-]{1,100}$/;
const WORKFLOW_FILE = /^[A-Za-z0-9_.-]{1,200}\.ya?ml$/;
const CI_PATH = /^[A-Za-z0-9_.\-/]{1,500}\.ya?ml$/;
const ID = /^[0-9]{1,20}$/;

/** Checks and normalises what a person typed; every refusal names the field. */
export function normalizePublisher(input: NewPublisher): {
  repository: string;
  owner: string;
  workflow: string;
  environment: string | null;
  issuer: string;
} {
  const bad = (m: string) => trustErrors.PUBLISHER_INVALID(m);
  const repository = input.repository.trim().replace(/\.git$/, "");
  const parts = repository.split("/");
  const maxParts = input.provider === "github" ? 2 : 20;
  if (
    parts.length < 2 ||
    parts.length > maxParts ||
    !parts.every((p) => SEGMENT.test(p) && p !== "." && p !== "..")
  )
    throw input.provider === "github"
      ? bad(`Repository must be owner/name (for example acme/widget), not '${input.repository}'.`)
      : bad(`Project path must be namespace/project (for example acme/widget), not '${input.repository}'.`);
  let workflow = input.workflow.trim();
  if (input.provider === "github") {
    workflow = workflow.replace(/^\.github\/workflows\//, "");
    if (!WORKFLOW_FILE.test(workflow))
      throw bad(
        `Workflow must be a file name in .github/workflows such as release.yml, not '${input.workflow}'.`,
      );
  } else {
    workflow = workflow.replace(/^\/+/, "");
    if (!CI_PATH.test(workflow) || workflow.split("/").some((s) => s === ".." || s === "."))
      throw bad(`CI config path must be a path such as .gitlab-ci.yml, not '${input.workflow}'.`);
  }
  const environment = input.environment?.trim() || null;
  if (environment !== null && (environment.length > 255 || !/^[\p{L}\p{N}\p{P}\p{S} ]+$/u.test(environment)))
    throw bad("Environment names have at most 255 printable characters.");
  for (const [what, v] of [
    ["repository id", input.repositoryId],
    ["owner id", input.repositoryOwnerId],
  ] as const)
    if (v != null && !ID.test(v)) throw bad(`The ${what} must be a number, not '${v}'.`);
  const issuer = (input.issuer ?? DEFAULT_ISSUERS[input.provider]).replace(/\/+$/, "");
  if (!/^https?:\/\/[^\s/]+/.test(issuer)) throw bad(`Issuer must be an https URL, not '${input.issuer}'.`);
  return { repository, owner: parts.slice(0, -1).join("/"), workflow, environment, issuer };
}

/**
 * Adds a publisher to a project, or a pending one that will create `pending.projectName` for
 * `createdBy` on its first exchange. Records `trusted_publisher.added` on the project (or the user,
 * for a pending one); `notify` mails go in the same transaction. Callers authorize first (owners,
 * under sudo on the web; OTP from npm trust).
 */
export async function addPublisher(
  db: DbExecutor,
  now: number,
  ctx: EventContext,
  input: NewPublisher,
  opts: { notify?: EventMail<unknown>[] } = {},
): Promise<TrustedPublisher> {
  const n = normalizePublisher(input);
  let ecosystem: EcosystemName;
  let projectName: string;
  let pendingName: string | null = null;
  let pendingNormalized: string | null = null;
  if (input.projectId) {
    const project = await getProjectById(db, input.projectId);
    if (!project) throw trustErrors.PROJECT_NOT_FOUND("No such project.");
    ecosystem = project.ecosystem;
    projectName = project.name;
  } else if (input.pending) {
    ecosystem = input.pending.ecosystem;
    const eco = ecosystemFor(ecosystem);
    projectName = input.pending.projectName.trim();
    eco.assertValidName(projectName);
    pendingName = projectName;
    pendingNormalized = eco.normalizeName(projectName);
    if (await findProject(db, ecosystem, pendingNormalized))
      throw trustErrors.PENDING_NAME_TAKEN(
        `A project named '${projectName}' exists already: add the publisher on its manage page instead.`,
      );
    const reserved = await db
      .selectFrom("trusted_publishers")
      .select("created_by")
      .where("project_id", "is", null)
      .where("ecosystem", "=", ecosystem)
      .where("pending_normalized_name", "=", pendingNormalized)
      .where("created_by", "!=", input.createdBy)
      .executeTakeFirst();
    if (reserved)
      throw trustErrors.PENDING_NAME_TAKEN(
        `The name '${projectName}' is reserved by another account's pending publisher.`,
      );
  } else {
    throw trustErrors.PUBLISHER_INVALID("A trusted publisher needs a project or a pending project name.");
  }
  let dup = db
    .selectFrom("trusted_publishers")
    .select("id")
    .where("provider", "=", input.provider)
    .where("issuer", "=", n.issuer)
    .where("repository", "=", n.repository)
    .where("workflow", "=", n.workflow);
  dup =
    n.environment === null
      ? dup.where("environment", "is", null)
      : dup.where("environment", "=", n.environment);
  dup = input.projectId
    ? dup.where("project_id", "=", input.projectId)
    : dup
        .where("project_id", "is", null)
        .where("ecosystem", "=", ecosystem)
        .where("pending_normalized_name", "=", pendingNormalized);
  if (await dup.executeTakeFirst())
    throw trustErrors.PUBLISHER_EXISTS(`This trusted publisher is already configured for '${projectName}'.`);
  const row: Row = {
    id: newId(now),
    project_id: input.projectId ?? null,
    ecosystem,
    pending_project_name: pendingName,
    pending_normalized_name: pendingNormalized,
    provider: input.provider,
    issuer: n.issuer,
    repository: n.repository,
    repository_id: input.repositoryId ?? null,
    repository_owner: n.owner,
    repository_owner_id: input.repositoryOwnerId ?? null,
    workflow: n.workflow,
    environment: n.environment,
    created_at: now,
    created_by: input.createdBy,
    last_used_at: null,
  };
  await db.insertInto("trusted_publishers").values(row).execute();
  const publisher = toPublisher(row);
  await publisherEvent(
    db,
    now,
    ctx,
    "trusted_publisher.added",
    publisher,
    projectName,
    input.createdBy,
    opts,
  );
  return publisher;
}

export async function getPublisher(db: DbExecutor, id: string): Promise<TrustedPublisher | null> {
  const r = await db.selectFrom("trusted_publishers").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toPublisher(r) : null;
}

/** The project's publishers, oldest first. */
export async function listPublishers(db: DbExecutor, projectId: string): Promise<TrustedPublisher[]> {
  const rows = await db
    .selectFrom("trusted_publishers")
    .selectAll()
    .where("project_id", "=", projectId)
    .orderBy("id")
    .execute();
  return rows.map(toPublisher);
}

/** The pending publishers an account made (its account page lists them). */
export async function listPendingPublishers(db: DbExecutor, userId: string): Promise<TrustedPublisher[]> {
  const rows = await db
    .selectFrom("trusted_publishers")
    .selectAll()
    .where("project_id", "is", null)
    .where("created_by", "=", userId)
    .orderBy("id")
    .execute();
  return rows.map(toPublisher);
}

/**
 * Removes a publisher of `projectId` (null: one of `by`'s pending publishers) and revokes the live
 * tokens it minted: owners who remove a publisher mean "it cannot publish any more", not "in 15
 * minutes". Throws PUBLISHER_NOT_FOUND for another project's publisher (ids are not capabilities).
 */
export async function removePublisher(
  db: DbExecutor,
  now: number,
  ctx: EventContext,
  target: { projectId: string | null; publisherId: string; by: string },
  /** `changes`: drop the revoked tokens from every instance's token cache after commit (tokens/cache.ts). */
  opts: { notify?: EventMail<unknown>[]; changes?: Pick<ChangeFeed, "publishToken"> } = {},
): Promise<TrustedPublisher> {
  const p = await getPublisher(db, target.publisherId);
  const mine =
    p &&
    (target.projectId === null
      ? p.projectId === null && p.createdBy === target.by
      : p.projectId === target.projectId);
  if (!p || !mine) throw trustErrors.PUBLISHER_NOT_FOUND();
  await db.deleteFrom("trusted_publishers").where("id", "=", p.id).execute();
  const live = await db
    .selectFrom("api_tokens")
    .select("id")
    .where("publisher_id", "=", p.id)
    .where("revoked_at", "is", null)
    .execute();
  const changes = opts.changes;
  if (changes && live.length)
    await afterCommit(db, async () => {
      for (const t of live) await changes.publishToken({ tokenId: t.id });
    });
  // Even before caches hear of it, authz refuses an upload by a publisher no longer configured.
  await db
    .updateTable("api_tokens")
    .set({ revoked_at: now })
    .where("publisher_id", "=", p.id)
    .where("revoked_at", "is", null)
    .execute();
  const name = p.projectId
    ? ((await getProjectById(db, p.projectId))?.name ?? "")
    : (p.pendingProjectName ?? "");
  await publisherEvent(db, now, ctx, "trusted_publisher.removed", p, name, target.by, opts);
  return p;
}

/**
 * One event on the project's history (with the mails, if any) and one on the acting account's; a
 * pending publisher has no project yet, so only the account's.
 */
export async function publisherEvent(
  db: DbExecutor,
  now: number,
  ctx: EventContext,
  type: EventType,
  p: TrustedPublisher,
  projectName: string,
  actorId: string | null,
  opts: { notify?: EventMail<unknown>[] } = {},
): Promise<void> {
  const data = {
    project: projectName,
    publisher: publisherLabel(p),
    publisherId: p.id,
    ...(actorId ? { actor: actorId } : {}),
    ...(p.projectId ? {} : { pending: true }),
  };
  const notify = opts.notify?.length ? { notify: opts.notify } : {};
  if (p.projectId)
    await recordEvent(db, now, ctx, { type, projectId: p.projectId, userId: null, data, ...notify });
  if (actorId)
    await recordEvent(db, now, ctx, { type, userId: actorId, data, ...(p.projectId ? {} : notify) });
}

/**
 * Marks a publisher used. On its first use, records the repository ids the token carried if the
 * publisher was added by name only (compare-and-swap: two racing first uses cannot record different
 * ids; the loser is refused by returning false) and writes `trusted_publisher.first_used`, mailed to
 * every owner (mails.ts firstUseMails) unless the caller passes its own `notify`; `runUrl` goes in it.
 */
export async function markPublisherUsed(
  db: DbExecutor,
  now: number,
  ctx: EventContext,
  p: TrustedPublisher,
  recordIds: { repositoryId: string; repositoryOwnerId: string | null } | null,
  projectName: string,
  opts: { notify?: EventMail<unknown>[]; runUrl?: string | null } = {},
): Promise<boolean> {
  if (recordIds) {
    const r = await db
      .updateTable("trusted_publishers")
      .set({ repository_id: recordIds.repositoryId, repository_owner_id: recordIds.repositoryOwnerId })
      .where("id", "=", p.id)
      .where("repository_id", "is", null)
      .executeTakeFirst();
    if (r.numUpdatedRows !== 1n) {
      const now2 = await getPublisher(db, p.id);
      if (!now2 || now2.repositoryId !== recordIds.repositoryId) return false;
    }
  }
  const first = await db
    .updateTable("trusted_publishers")
    .set({ last_used_at: now })
    .where("id", "=", p.id)
    .where("last_used_at", "is", null)
    .executeTakeFirst();
  if (first.numUpdatedRows === 1n) {
    const used = { ...p, ...(recordIds ?? {}) };
    const notify =
      opts.notify ??
      (used.projectId
        ? await firstUseMails(db, { ...used, projectId: used.projectId }, projectName, opts.runUrl ?? null)
        : []);
    await publisherEvent(db, now, ctx, "trusted_publisher.first_used", used, projectName, null, { notify });
  } else {
    await db.updateTable("trusted_publishers").set({ last_used_at: now }).where("id", "=", p.id).execute();
  }
  return true;
}
