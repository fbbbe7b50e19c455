import type { FastifyRequest } from "fastify";
import type { User } from "../../accounts/index.js";
import { GEM_OPERATION, spendWebOtp, WEB_OTP_PREFIX } from "../../cli-handoff/index.js";
import type { Deps } from "../../deps.js";
import { AppError } from "../../lib/errors.js";
import { checkGuessable, factorSummary } from "../../mfa/index.js";
import { requestContext } from "./auth.js";
import { gemErrors } from "./errors.js";

/**
 * RubyGems' "UI and API" MFA level, the default here once a factor is enrolled: signin and every CLI
 * write carry a code in the `OTP` header. `required` adds the gem's own demand (its gemspec says
 * `rubygems_mfa_required: 'true'`, or the owners require MFA): without any factor the write is refused
 * with how to enrol. The code is a TOTP (spent once per time step) or a recovery code; a missing,
 * wrong or replayed one gets the 401 whose first words make `gem` prompt for a code and retry.
 */
export async function requireOtp(
  deps: Deps,
  req: FastifyRequest,
  user: User,
  opts: { required?: string } = {},
): Promise<"totp" | "recovery" | "browser" | null> {
  const factors = await factorSummary(deps.db, user.id);
  if (!factors.enrolled) {
    if (opts.required)
      throw gemErrors.MFA_NEEDED(
        `${opts.required} requires multifactor authentication: set up an authenticator app at ${deps.config.origin}/account/two-factor, then run the command again with --otp CODE.`,
      );
    return null;
  }
  const otp = String(req.headers.otp ?? "").trim();
  if (!otp) throw gemErrors.OTP_REQUIRED();
  // The code of a security-key confirmation in the browser (webauthn.ts): once, for this user's next write.
  if (otp.startsWith(WEB_OTP_PREFIX)) {
    if (await spendWebOtp(deps, user.id, GEM_OPERATION, otp)) return "browser";
    throw gemErrors.OTP_REQUIRED(
      `${gemErrors.OTP_REQUIRED().message} (That security-device confirmation expired or was already used.)`,
    );
  }
  const digits = /^[\d\s]+$/.test(otp);
  if (digits && factors.totp === null) throw gemErrors.OTP_UNAVAILABLE();
  try {
    await checkGuessable(deps, requestContext(req), user, { kind: digits ? "totp" : "recovery", code: otp });
    return digits ? "totp" : "recovery";
  } catch (e) {
    // Wrong, replayed or malformed: the same first words, so the client asks again, then the reason.
    if (e instanceof AppError && e.status === 400)
      throw gemErrors.OTP_REQUIRED(`${gemErrors.OTP_REQUIRED().message} (${e.message})`);
    throw e;
  }
}
