import {
  type AuthProof,
  accountErrors,
  enterSudo,
  type RequestContext,
  type Session,
  type User,
  verifyAccountPassword,
} from "../accounts/index.js";
import { recordEvent } from "../events/index.js";
import { factorSummary } from "./factors.js";
import { checkGuessable, type GuessableFactor } from "./guard.js";
import type { MfaDeps } from "./notify.js";

/**
 * Sudo mode (15 minutes) needs the password and, when the user has a second factor, that factor too —
 * or a passkey alone (it is both something you have and, with user verification, something you know
 * or are). `{ passkey }` is for callers that have just verified a user-verified passkey assertion
 * (webauthn-login.ts); it is not a check in itself. Required before changing factors, email, password, tokens, roles or releases.
 */
export async function confirmSudoMfa(
  deps: MfaDeps,
  ctx: RequestContext,
  user: User,
  session: Session,
  input: { password: string; factor?: GuessableFactor } | { passkey: AuthProof },
): Promise<void> {
  await deps.limits.consume("sudoUser", user.id);
  const now = deps.clock.now();
  let method = "passkey";
  if ("password" in input) {
    if (!(await verifyAccountPassword(deps, user.id, input.password))) {
      await recordEvent(deps.db, now, ctx, {
        type: "login.failure",
        userId: user.id,
        data: { reason: "sudo" },
      });
      throw accountErrors.LOGIN_FAILED("The password is not correct.");
    }
    method = "password";
    if ((await factorSummary(deps.db, user.id)).enrolled) {
      if (!input.factor?.code.trim()) {
        throw accountErrors.LOGIN_FAILED(
          "Also enter a code from your authenticator app or a recovery code, or use your security key.",
        );
      }
      method = (await checkGuessable(deps, ctx, user, input.factor)).method;
    }
  }
  await enterSudo(deps.db, now, session);
  await recordEvent(deps.db, now, ctx, { type: "sudo.entered", userId: user.id, data: { method } });
}
