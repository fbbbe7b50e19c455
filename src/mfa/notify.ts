import type { User } from "../accounts/index.js";
import type { DbExecutor } from "../db/index.js";
import type { Deps } from "../deps.js";
import { type EventContext, type EventType, recordEvent } from "../events/index.js";
import type { Template } from "../notify/index.js";

export type MfaDeps = Pick<Deps, "db" | "clock" | "keys" | "mailer" | "limits" | "log"> & {
  config: Pick<
    Deps["config"],
    | "siteName"
    | "origin"
    | "sessionIdleMs"
    | "sessionMaxMs"
    | "registration"
    | "secureCookies"
    | "pwnedPasswordsUrl"
    | "pwnedPasswordsFailOpen"
  >;
};

/** The mail telling the account's owner of a factor event (a template from notify/templates/mfa.ts). */
export interface OwnerMail<V> {
  template: Template<V>;
  vars: V;
  /** At most one such mail per account and event type per window. */
  once?: boolean;
}

/**
 * Records a factor event in `db` (pass the transaction) with the mail that tells the owner, queued in
 * the same transaction and sent once it commits (notify/outbox.ts).
 */
export function mfaEvent<V>(
  db: DbExecutor,
  now: number,
  ctx: EventContext,
  user: User,
  type: EventType,
  data: Record<string, unknown> = {},
  mail?: OwnerMail<V>,
) {
  return recordEvent(db, now, ctx, {
    type,
    userId: user.id,
    data,
    notify: mail && { to: user.email, ...mail },
  });
}
