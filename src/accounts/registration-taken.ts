import { recordEvent } from "../events/index.js";
import { isAppError } from "../lib/errors.js";
import { afterResponse } from "../mail/index.js";
import * as mails from "../notify/templates/accounts.js";
import type { AccountDeps, RequestContext } from "./context.js";
import { hashPassword } from "./passwords.js";
import { registerUser } from "./registration.js";
import { getUserByLogin, type NewUser, type User } from "./users.js";

/**
 * Self-service registration that does not reveal other people's addresses (issue 11 MEDIUM 12): when
 * the email already belongs to an account, nothing is created, the caller answers as it would for a
 * new account ("check your mail"), and the address's owner is told instead. Returns null then.
 * A taken username is still reported: usernames are public on every project page.
 */
export async function registerOrTellOwner(
  deps: AccountDeps,
  ctx: RequestContext,
  input: NewUser,
): Promise<User | null> {
  try {
    return await registerUser(deps, ctx, input);
  } catch (e) {
    if (!isAppError(e) || e.code !== "EMAIL_TAKEN") throw e;
  }
  // A new account costs one argon2 hash before the answer; so does this one, or the time would tell.
  await hashPassword(input.password);
  afterResponse(deps.log, "registration attempt mail", () => tellOwner(deps, ctx, input.email));
  return null;
}

async function tellOwner(deps: AccountDeps, ctx: RequestContext, email: string): Promise<void> {
  const owner = await getUserByLogin(deps.db, email);
  if (!owner) return;
  const now = deps.clock.now();
  await recordEvent(deps.db, now, ctx, {
    type: "account.registration_attempt",
    userId: owner.id,
    // One mail per 15 minutes, so the form cannot be used to flood the owner's mailbox.
    notify: {
      to: owner.email,
      template: mails.registrationAttempt,
      vars: { username: owner.username },
      once: true,
    },
  });
}
