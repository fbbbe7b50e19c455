import { type Tx, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { type EcosystemName, ecosystemFor } from "../ecosystems/index.js";
import type { EventContext } from "../events/index.js";
import { isAppError } from "../lib/errors.js";
import { oidcErrors, spendJti } from "../oidc/index.js";
import {
  addRole,
  findLookalike,
  findProject,
  findTyposquatTarget,
  insertProject,
  isProhibitedName,
  listMembers,
  type Project,
  packageErrors,
  recordProjectEvent,
} from "../packages/index.js";
import { insertPublisherToken } from "../tokens/index.js";
import { provenanceClaims } from "./claims.js";
import { trustErrors } from "./errors.js";
import { type Matched, matchPublisher, matchPublishersByClaims } from "./match.js";
import type { TrustedPublisher } from "./publisher.js";
import { markPublisherUsed, publisherEvent } from "./store.js";

export type ExchangeDeps = Pick<Deps, "db" | "clock" | "oidc" | "config" | "limits" | "dialect">;

export interface Exchanged {
  token: string;
  expiresAt: number;
  /** The first project covered (the only one, except for PyPI's exchange by a monorepo workflow). */
  project: Project;
  /** Every project the token may upload to: each whose publisher accepted the OIDC token. */
  projects: Project[];
  /** The first project's publisher: the token's history label and provenance name it. */
  publisher: TrustedPublisher;
  /** A pending publisher created the project with this exchange. */
  createdProject: boolean;
}

/** The audience a CI token must carry for this registry: npm's is fixed by its CLI (`npm:<host>`). */
export function audienceFor(ecosystem: EcosystemName, origin: string): string {
  return `${ecosystem}:${new URL(origin).hostname}`;
}

/**
 * Trades a CI provider's OIDC token for a registry token (issue 16): verify it (src/oidc), find the
 * publishers that accept its claims (npm names the project; PyPI's may match several projects of one
 * monorepo workflow, and the token then covers each of them), then in ONE transaction spend its `jti`, create the
 * project for a pending publisher, record first use, and mint the ≤ 15-minute upload-only token. A
 * refusal at any step stores nothing (a replayed or mismatched token leaves no row behind).
 */
export async function exchangeOidcToken(
  deps: ExchangeDeps,
  ctx: EventContext,
  /** npm names the package in the URL; PyPI's mint-token names none (the token's repository decides). */
  input: { ecosystem: EcosystemName; projectName?: string; oidcToken: string },
): Promise<Exchanged> {
  // Spent before the token is looked at, so a parallel burst cannot all pass a count of zero; given
  // back when the exchange succeeds or the fault is ours (a provider or database outage).
  const attempt = await deps.limits.attempt([["oidcExchangeIp", ctx.ip ?? "unknown"]]);
  try {
    const out = await exchange(deps, ctx, input);
    await attempt.refund();
    return out;
  } catch (e) {
    if (isAppError(e) && e.status >= 500) await attempt.refund();
    throw e;
  }
}

async function exchange(
  deps: ExchangeDeps,
  ctx: EventContext,
  input: { ecosystem: EcosystemName; projectName?: string; oidcToken: string },
): Promise<Exchanged> {
  const verified = await deps.oidc.verify(input.oidcToken, audienceFor(input.ecosystem, deps.config.origin));
  const who = {
    ecosystem: input.ecosystem,
    claims: verified.claims,
    issuer: verified.issuer,
    origin: deps.config.origin,
  };
  const found =
    input.projectName === undefined
      ? await matchPublishersByClaims(deps.db, who)
      : await matchPublisher(deps.db, { ...who, projectName: input.projectName });
  if (!found.ok) throw found.error;
  const matches: Matched[] = "matches" in found ? found.matches : [found];
  const first = matches[0];
  if (!first || matches.some((m) => m.publisher.provider !== verified.provider))
    throw trustErrors.NO_MATCHING_PUBLISHER();
  const now = deps.clock.now();
  // Only a single pending publisher creates a project (matchPublishersByClaims never mixes them).
  if (!first.project) await refuseNewName(deps, first.publisher);
  return transaction(deps.db, async (tx) => {
    await spendJti(tx, verified.issuer, verified.jti, verified.expiresAt);
    let createdProject = false;
    const covered: Array<{ project: Project; publisherId: string }> = [];
    for (const match of matches) {
      const p = match.publisher;
      let project = match.project;
      if (!project) {
        project = await createFromPending(deps, tx, now, ctx, p);
        createdProject = true;
      }
      const recorded = await markPublisherUsed(
        tx,
        now,
        ctx,
        { ...p, projectId: project.id },
        match.recordIds,
        project.name,
        // The owners' first-use mail links to the run (mails.ts firstUseMails).
        { runUrl: match.identity.runUrl },
      );
      if (!recorded)
        throw trustErrors.NO_MATCHING_PUBLISHER("The trusted publisher was changed meanwhile; try again.");
      covered.push({ project, publisherId: p.id });
    }
    const [main] = covered as [(typeof covered)[number], ...typeof covered];
    const userId = await attributedUser(tx, main.project.id, first.publisher.createdBy);
    const minted = await insertPublisherToken(tx, now, {
      userId,
      projects: covered.map((c) => ({ projectId: c.project.id, publisherId: c.publisherId })),
      claims: provenanceClaims(first.publisher, first.identity),
    });
    return {
      token: minted.token,
      expiresAt: minted.expiresAt,
      project: main.project,
      projects: covered.map((c) => c.project),
      publisher: first.publisher,
      createdProject,
    };
  });
}

/** The account the token's uploads are attributed to: the publisher's creator while they maintain it. */
async function attributedUser(tx: Tx, projectId: string, createdBy: string): Promise<string> {
  const members = await listMembers(tx, projectId);
  const who = members.find((m) => m.userId === createdBy) ?? members.find((m) => m.role === "owner");
  if (!who) throw trustErrors.NO_MATCHING_PUBLISHER("The project has no owner to publish for.");
  return who.userId;
}

/** The checks a new name gets when published by a person, before anything is written. */
async function refuseNewName(deps: ExchangeDeps, p: TrustedPublisher): Promise<void> {
  const eco = ecosystemFor(p.ecosystem);
  const name = p.pendingProjectName ?? "";
  const normalized = eco.normalizeName(name);
  if (await isProhibitedName(deps.db, p.ecosystem, normalized))
    throw packageErrors.NAME_PROHIBITED(`The name '${name}' is not allowed on this registry.`);
  const twin = await findLookalike(deps.db, p.ecosystem, eco.lookalikeKey(name), normalized);
  if (twin)
    throw packageErrors.LOOKALIKE(
      `The name '${name}' is too similar to the existing project '${twin.name}'.`,
    );
  if (deps.config.typosquatAction !== "off") {
    const squat = await findTyposquatTarget(deps, p.ecosystem, name, normalized);
    if (squat)
      throw packageErrors.TYPOSQUAT(
        `The name '${name}' looks like the project '${squat.similarTo}' (${squat.reason}): choose another name, or ask the registry's operators to allow it.`,
      );
  }
}

/**
 * A pending publisher's first exchange: the project is created owned by the account that reserved it,
 * and the publisher becomes the project's (compare-and-swap on project_id: two racing exchanges
 * create it once; the loser's transaction fails on the project's unique name and stores nothing).
 */
async function createFromPending(
  deps: ExchangeDeps,
  tx: Tx,
  now: number,
  ctx: EventContext,
  p: TrustedPublisher,
): Promise<Project> {
  const eco = ecosystemFor(p.ecosystem);
  const name = p.pendingProjectName ?? "";
  const normalized = eco.normalizeName(name);
  if (await findProject(tx, p.ecosystem, normalized))
    throw trustErrors.PENDING_NAME_TAKEN(`A project named '${name}' was created meanwhile; try again.`);
  const project = await insertProject(tx, now, {
    ecosystem: p.ecosystem,
    name,
    normalizedName: normalized,
    ultranormalizedName: eco.lookalikeKey(name),
  });
  await addRole(tx, now, project.id, p.createdBy, "owner");
  const claimed = await tx
    .updateTable("trusted_publishers")
    .set({ project_id: project.id, pending_project_name: null, pending_normalized_name: null })
    .where("id", "=", p.id)
    .where("project_id", "is", null)
    .executeTakeFirst();
  if (claimed.numUpdatedRows !== 1n) throw oidcErrors.REPLAYED("The pending publisher was used meanwhile.");
  // Other accounts' pending publishers of this name cannot exist (addPublisher refuses them); the
  // creator's other pending ones for the name become the project's too.
  await tx
    .updateTable("trusted_publishers")
    .set({ project_id: project.id, pending_project_name: null, pending_normalized_name: null })
    .where("project_id", "is", null)
    .where("ecosystem", "=", p.ecosystem)
    .where("pending_normalized_name", "=", normalized)
    .where("created_by", "=", p.createdBy)
    .execute();
  await recordProjectEvent(tx, now, ctx, {
    type: "project.created",
    projectId: project.id,
    projectName: project.name,
    actorId: p.createdBy,
    data: { via: `trusted publisher ${p.provider}:${p.repository} ${p.workflow}` },
  });
  await publisherEvent(
    tx,
    now,
    ctx,
    "trusted_publisher.project_created",
    { ...p, projectId: project.id },
    name,
    null,
  );
  return project;
}
