import type { Grant } from "../authz/index.js";
import { lockKey, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import type { EcosystemName } from "../ecosystems/index.js";
import type { EventContext } from "../events/index.js";
import { trustErrors } from "./errors.js";
import { checkPendingName, MAX_PENDING_PER_ACCOUNT, type PublisherSpec } from "./manage.js";
import type { TrustedPublisher } from "./publisher.js";
import { addPublisher, listPendingPublishers, removePublisher } from "./store.js";

/**
 * Pending publishers (PyPI's model): a verified account names a project that does not exist yet and
 * the workflow that will create it. The grant is authorize()'s "create-project" (verified email,
 * account-wide credentials, mandates), since using the publisher creates a project for this account.
 */
export async function addPendingPublisher(
  deps: Pick<Deps, "db" | "clock" | "config" | "dialect">,
  ctx: EventContext,
  grant: Grant,
  pending: { ecosystem: EcosystemName; projectName: string },
  spec: PublisherSpec,
): Promise<TrustedPublisher> {
  const actor = grant.require("create-project", null).actor;
  const projectName = await checkPendingName(deps, pending.ecosystem, pending.projectName, actor.userId);
  const now = deps.clock.now();
  return transaction(deps.db, async (tx) => {
    // The cap is counted in the transaction that adds, under a per-account lock: two tabs posting at
    // once cannot both take the last slot.
    await lockKey(tx, deps.dialect, `wharf:pending-publishers:${actor.userId}`);
    if ((await listPendingPublishers(tx, actor.userId)).length >= MAX_PENDING_PER_ACCOUNT)
      throw trustErrors.PENDING_LIMIT(
        `An account may hold ${MAX_PENDING_PER_ACCOUNT} pending publishers at a time: remove one, or publish with one first.`,
      );
    return addPublisher(tx, now, ctx, {
      ...spec,
      pending: { ecosystem: pending.ecosystem, projectName },
      createdBy: actor.userId,
    });
  });
}

/** Removes one of the account's own pending publishers (another account's id is "not found"). */
export function removePendingPublisher(
  deps: Pick<Deps, "db" | "clock">,
  ctx: EventContext,
  userId: string,
  publisherId: string,
): Promise<TrustedPublisher> {
  const now = deps.clock.now();
  return transaction(deps.db, (tx) =>
    removePublisher(tx, now, ctx, { projectId: null, publisherId, by: userId }),
  );
}
