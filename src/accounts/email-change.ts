import { isUniqueViolation, transaction } from "../db/index.js";
import { recordEvent } from "../events/index.js";
import { isAbandoned } from "../mail/index.js";
import * as mails from "../notify/templates/accounts.js";
import { type AccountDeps, link, type RequestContext, sendAccessMail } from "./context.js";
import { issueLinkToken, spendLinkToken, voidLinkTokens } from "./email-links.js";
import { accountErrors } from "./errors.js";
import { inSudo, type Session } from "./sessions.js";
import { canonicalEmail, validateEmail } from "./usernames.js";
import { getUser, type User } from "./users.js";

/**
 * Starts an email change: the new address must be confirmed by a link sent to it, and the old address
 * is told at once. Until confirmed nothing changes, so a hijacked session cannot silently redirect the
 * account's mail (and with it, password resets).
 */
export async function requestEmailChange(
  deps: AccountDeps,
  ctx: RequestContext,
  user: User,
  session: Session,
  rawEmail: string,
): Promise<void> {
  // Fail closed: the route asks for sudo first, and the domain refuses if it somehow did not.
  if (!inSudo(session, deps.clock.now())) throw accountErrors.SUDO_REQUIRED();
  const email = validateEmail(rawEmail);
  if (canonicalEmail(email) === canonicalEmail(user.email))
    throw accountErrors.EMAIL_INVALID("This is already your email address.");
  const taken = await deps.db
    .selectFrom("users")
    .select("id")
    .where("email_canonical", "=", canonicalEmail(email))
    .executeTakeFirst();
  if (taken) throw accountErrors.EMAIL_TAKEN();
  // Whoever holds a lapsed domain would confirm the change and then own the account's resets. Saying
  // so tells the signed-in user nothing about other accounts.
  if (await isAbandoned(deps.db, email)) throw accountErrors.EMAIL_DOMAIN_ABANDONED();
  const now = deps.clock.now();
  const token = await transaction(deps.db, async (tx) => {
    await voidLinkTokens(tx, now, user.id, "change_email");
    await recordEvent(tx, now, ctx, {
      type: "email.change_requested",
      userId: user.id,
      data: { to: email },
      notify: {
        to: user.email,
        template: mails.emailChangeNotice,
        vars: { username: user.username, newEmail: email, stage: "requested" },
      },
    });
    return issueLinkToken(tx, deps.keys, now, user.id, "change_email", email);
  });
  await sendAccessMail(deps, ctx, user.id, "change_email", email, mails.changeEmail, {
    username: user.username,
    link: link(deps, "/account/confirm-email", token),
  });
}

export async function confirmEmailChange(
  deps: AccountDeps,
  ctx: RequestContext,
  token: string,
): Promise<User> {
  const now = deps.clock.now();
  const change = transaction(deps.db, async (tx) => {
    const row = await spendLinkToken(tx, deps.keys, now, "change_email", token);
    const before = await getUser(tx, row.userId);
    if (!before || (await isAbandoned(tx, row.email))) throw accountErrors.LINK_INVALID();
    const taken = await tx
      .selectFrom("users")
      .select("id")
      .where("email_canonical", "=", canonicalEmail(row.email))
      .executeTakeFirst();
    if (taken) throw accountErrors.EMAIL_TAKEN();
    await tx
      .updateTable("users")
      .set({ email: row.email, email_canonical: canonicalEmail(row.email), email_verified_at: now })
      .where("id", "=", before.id)
      .execute();
    await recordEvent(tx, now, ctx, {
      type: "email.changed",
      userId: before.id,
      data: { from: before.email, to: row.email },
      // Both addresses hear of it: the old one is where the real owner would notice a takeover.
      notify: [before.email, row.email].map((to) => ({
        to,
        template: mails.emailChangeNotice,
        vars: { username: before.username, newEmail: row.email, stage: "changed" as const },
      })),
    });
    return { ...before, email: row.email, emailVerified: true };
  });
  // Two accounts confirming a change to one address at once both pass the check above (PostgreSQL reads
  // committed rows only); the unique index lets one in and the other gets the same answer as if it had
  // come a moment later, not a 500. Its transaction, link spend included, is rolled back.
  return change.catch((e: unknown) => {
    throw isUniqueViolation(e) ? accountErrors.EMAIL_TAKEN() : e;
  });
}
