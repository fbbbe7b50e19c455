/*
 * The one notification path (issue 12 item 4). Every mail Wharf writes is a template — a function of
 * typed vars returning { subject, text }, one module per feature under ./templates — and goes out one
 * of two ways:
 *  - a security mail is queued with its event (`recordEvent(tx, …, { notify })`, ./outbox.ts): it
 *    commits with the change, is sent right after commit, and retried by a job if that send is lost;
 *  - a mail not tied to an event (a link, an invitation) is sent by `send` after the change committed.
 * Both add the site's subject prefix and log a failure; neither throws at its caller: by the time a
 * notification goes out the change it reports has committed, and a lost mail must not turn a done
 * change into an error the user would retry.
 */
export { COALESCE_WINDOW, claimMailSlot } from "./once.js";
export {
  attachOutbox,
  deliverOutbox,
  MAX_ATTEMPTS,
  type Notification,
  type OutboxDeps,
  queueNotification,
  startOutboxJob,
} from "./outbox.js";
export { type NotifyDeps, render, type SendOptions, send } from "./send.js";
export type { Site, Template } from "./templates/common.js";
