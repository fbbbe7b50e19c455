import type { User } from "../accounts/index.js";
import type { DbExecutor } from "../db/index.js";
import type { Deps } from "../deps.js";
import { claimMailSlot, type EventContext, type EventType, recordEvent } from "../events/index.js";

export type MfaDeps = Pick<Deps, "db" | "clock" | "keys" | "mailer" | "limits" | "log"> & {
  config: Pick<
    Deps["config"],
    "siteName" | "origin" | "sessionIdleMs" | "sessionMaxMs" | "registration" | "secureCookies"
  >;
};

/** Records a factor event in `db` (pass the transaction) — mail goes out separately, after commit. */
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

/**
 * ASVS 2.2.3 / v5 6.3.7: tell the user through another channel after any authentication change. With
 * `once`, mails of that kind are coalesced: at most one per account per 15 minutes, so a burst of
 * failures tells the owner once instead of flooding the mailbox (and burying the warning).
 */
export async function mfaMail(
  deps: MfaDeps,
  user: User,
  subject: string,
  body: string,
  opts: { once?: EventType } = {},
): Promise<void> {
  try {
    if (opts.once && !(await claimMailSlot(deps.db, deps.clock.now(), user.id, opts.once))) return;
    await deps.mailer.send({
      to: user.email,
      subject: `[${deps.config.siteName}] ${subject}`,
      text: `Hello ${user.username},\n\n${body}\n\nReview your security settings at ${deps.config.origin}/account/two-factor and your security history at ${deps.config.origin}/account/security-history. If this was not you, change your password now.\n\n— ${deps.config.siteName}`,
    });
  } catch (e) {
    deps.log.error({ err: e }, "mfa mail could not be sent");
  }
}
