import type { User } from "../accounts/index.js";
import type { DbExecutor } from "../db/index.js";
import type { Deps } from "../deps.js";
import { type EventContext, type EventType, recordEvent } from "../events/index.js";

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

/**
 * Records a factor event in `db` (pass the transaction). Mail goes out separately, after commit, through
 * `send` in src/notify with a template from src/notify/templates/mfa.ts.
 */
export function mfaEvent(
  db: DbExecutor,
  now: number,
  ctx: EventContext,
  user: User,
  type: EventType,
  data: Record<string, unknown> = {},
) {
  return recordEvent(db, now, ctx, { type, userId: user.id, data });
}
