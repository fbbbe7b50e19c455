import { type Tx, transaction } from "../db/index.js";
import { recordEvent } from "../events/index.js";
import { isAbandoned } from "../mail/index.js";
import * as mails from "../notify/templates/accounts.js";
import { type AccountDeps, link, type RequestContext, sendAccessMail } from "./context.js";
import { issueLinkToken, spendLinkToken, voidLinkTokens } from "./email-links.js";
import { accountErrors } from "./errors.js";
import { checkPasswordPolicy } from "./passwords.js";
import { checkNotBreached } from "./pwned.js";
import { getUser, insertUser, type NewUser, type User } from "./users.js";

/** Creates an account (web registration or the operator CLI) and mails the verification link. */
export async function registerUser(
  deps: AccountDeps,
  ctx: RequestContext,
  input: NewUser,
  opts: {
    viaOperator?: boolean;
    /** Rows that must commit with the account or not at all (the CLI's audit entry for an admin). */
    alsoInTransaction?: (tx: Tx, user: User) => Promise<void>;
  } = {},
): Promise<User> {
  if (!opts.viaOperator) {
    if (deps.config.registration === "closed") throw accountErrors.REGISTRATION_CLOSED();
    await deps.limits.consume("registerIp", ctx.ip);
  }
  // The local rules first: a password they refuse is never sent anywhere, even as a hash prefix.
  checkPasswordPolicy(input.password, { username: input.username, email: input.email });
  await checkNotBreached(deps, input.password);
  const now = deps.clock.now();
  const { user, token } = await transaction(deps.db, async (tx) => {
    const user = await insertUser(tx, now, input);
    await recordEvent(tx, now, ctx, {
      type: "account.created",
      userId: user.id,
      data: { by: opts.viaOperator ? "operator" : "self" },
    });
    const token = user.emailVerified
      ? null
      : await issueLinkToken(tx, deps.keys, now, user.id, "verify_email", user.email);
    await opts.alsoInTransaction?.(tx, user);
    return { user, token };
  });
  if (token)
    await sendAccessMail(deps, ctx, user.id, "verify_email", user.email, mails.verifyEmail, {
      username: user.username,
      link: link(deps, "/account/verify-email", token),
    });
  return user;
}

export async function resendVerification(deps: AccountDeps, ctx: RequestContext, user: User): Promise<void> {
  if (user.emailVerified) return;
  await deps.limits.consume("verifyResendUser", user.id);
  const now = deps.clock.now();
  const token = await transaction(deps.db, async (tx) => {
    await voidLinkTokens(tx, now, user.id, "verify_email");
    return issueLinkToken(tx, deps.keys, now, user.id, "verify_email", user.email);
  });
  await sendAccessMail(deps, ctx, user.id, "verify_email", user.email, mails.verifyEmail, {
    username: user.username,
    link: link(deps, "/account/verify-email", token),
  });
}

/** Spends the link and marks the address verified — only if it is still the account's address. */
export async function verifyEmail(deps: AccountDeps, ctx: RequestContext, token: string): Promise<User> {
  const now = deps.clock.now();
  return transaction(deps.db, async (tx) => {
    const row = await spendLinkToken(tx, deps.keys, now, "verify_email", token);
    const user = await getUser(tx, row.userId);
    // A link mailed before the domain was marked abandoned may sit in the new domain owner's mailbox.
    if (!user || user.email !== row.email || (await isAbandoned(tx, row.email)))
      throw accountErrors.LINK_INVALID();
    await tx.updateTable("users").set({ email_verified_at: now }).where("id", "=", user.id).execute();
    await recordEvent(tx, now, ctx, { type: "email.verified", userId: user.id, data: { email: user.email } });
    return { ...user, emailVerified: true };
  });
}
