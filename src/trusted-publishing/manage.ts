import type { Grant } from "../authz/index.js";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { type EcosystemName, ecosystemFor } from "../ecosystems/index.js";
import { type EventContext, eventMail } from "../events/index.js";
import * as mails from "../notify/templates/publishing.js";
import {
  checkNewPackageScope,
  findLookalike,
  findProject,
  findTyposquatTarget,
  isProhibitedName,
  type Project,
  packageErrors,
} from "../packages/index.js";
import { trustErrors } from "./errors.js";
import { describePublisher, managePath, ownerMails } from "./mails.js";
import type { Provider, TrustedPublisher } from "./publisher.js";
import { addPublisher, getPublisher, listPendingPublishers, removePublisher } from "./store.js";

/**
 * What owners do with publishers, from the manage page and `npm trust`: the grant checked, the store
 * written, the event recorded and every owner mailed, in one transaction (a publisher that publishes
 * without a secret must never appear without its owners hearing of it).
 */

type ManageDeps = Pick<Deps, "db" | "clock">;

/** What a person asks for: the provider's names, no ids (those are pinned on first use). */
export interface PublisherSpec {
  provider: Provider;
  repository: string;
  workflow: string;
  environment?: string | null;
  issuer?: string;
}

/** How the mails and history say who changed what: "on the web", "with npm trust". */
export interface ChangeVia {
  username: string;
  via: string;
}

/** An account may hold this many pending publishers at a time (PyPI has a similar cap). */
export const MAX_PENDING_PER_ACCOUNT = 3;

export async function addProjectPublisher(
  deps: ManageDeps,
  ctx: EventContext,
  grant: Grant,
  project: Project,
  spec: PublisherSpec,
  by: ChangeVia,
): Promise<TrustedPublisher> {
  const actor = grant.require("manage-settings", project.id).actor;
  const now = deps.clock.now();
  return transaction(deps.db, async (tx) => {
    const vars = (username: string) => ({
      username,
      project: project.name,
      publisher: describePublisher({ ...spec, environment: spec.environment?.trim() || null }),
      managePath: managePath(project),
      by: by.username,
      via: by.via,
    });
    const notify = await ownerMails(tx, project.id, (o) =>
      eventMail(o.email, mails.publisherAdded, vars(o.username)),
    );
    return addPublisher(
      tx,
      now,
      ctx,
      { ...spec, projectId: project.id, createdBy: actor.userId },
      { notify },
    );
  });
}

export async function removeProjectPublisher(
  deps: ManageDeps,
  ctx: EventContext,
  grant: Grant,
  project: Project,
  publisherId: string,
  by: ChangeVia,
): Promise<TrustedPublisher> {
  const actor = grant.require("manage-settings", project.id).actor;
  const now = deps.clock.now();
  return transaction(deps.db, async (tx) => {
    // The mail names the publisher, read in the transaction that deletes it; removePublisher refuses
    // an id of another project's publisher (ids are not capabilities), so no mail names one.
    const p = await getPublisher(tx, publisherId);
    const notify =
      p && p.projectId === project.id
        ? await ownerMails(tx, project.id, (o) =>
            eventMail(o.email, mails.publisherRemoved, {
              username: o.username,
              project: project.name,
              publisher: describePublisher(p),
              managePath: managePath(project),
              by: by.username,
              via: by.via,
            }),
          )
        : [];
    return removePublisher(
      tx,
      now,
      ctx,
      { projectId: project.id, publisherId, by: actor.userId },
      { notify },
    );
  });
}

/**
 * The name checks of project creation, for a project that a pending publisher will create: a valid
 * name nobody has, not prohibited, not a look-alike of an existing project, not a typosquat the
 * registry refuses, and (npm) a scope the account may publish into. Creation checks again.
 */
export async function checkPendingName(
  deps: Pick<Deps, "db" | "config">,
  ecosystem: EcosystemName,
  rawName: string,
  userId: string,
): Promise<string> {
  const eco = ecosystemFor(ecosystem);
  const name = rawName.trim();
  eco.assertValidName(name);
  const normalized = eco.normalizeName(name);
  if (await findProject(deps.db, ecosystem, normalized))
    throw trustErrors.PENDING_NAME_TAKEN(
      `A project named '${name}' exists already: its owners add publishers on its manage page.`,
    );
  if (await isProhibitedName(deps.db, ecosystem, normalized))
    throw packageErrors.NAME_PROHIBITED(`The name '${name}' is not allowed on this registry.`);
  const twin = await findLookalike(deps.db, ecosystem, eco.lookalikeKey(name), normalized);
  if (twin)
    throw packageErrors.LOOKALIKE(
      `The name '${name}' is too similar to the existing project '${twin.name}'.`,
    );
  const squat = await findTyposquatTarget(deps as Deps, ecosystem, name, normalized);
  if (squat && deps.config.typosquatAction === "refuse")
    throw packageErrors.TYPOSQUAT(
      `The name '${name}' looks like the project '${squat.similarTo}' (${squat.reason}): choose another name.`,
    );
  if (ecosystem === "npm" && name.startsWith("@"))
    await checkNewPackageScope(deps.db, name.slice(1).split("/")[0]!, { id: userId });
  return name;
}
