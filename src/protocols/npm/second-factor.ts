import type { FastifyRequest } from "fastify";
import type { User } from "../../accounts/index.js";
import { createWebAuth, spendWebOtp, WEB_OTP_PREFIX } from "../../cli-handoff/index.js";
import type { Deps } from "../../deps.js";
import { AppError } from "../../lib/errors.js";
import { checkGuessable, factorSummary } from "../../mfa/index.js";
import { mfaRequirementOf, type Project } from "../../packages/index.js";
import type { TokenActor } from "../../tokens/index.js";
import { requestContext } from "./auth.js";
import { npmErrors } from "./errors.js";

export type TfaMode = "auth-only" | "auth-and-writes";

/** A 401 that asks npm for a second factor: the header makes it prompt; authUrl/doneUrl make it open a browser. */
export class OtpChallenge extends AppError {
  constructor(
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(401, "OTP_REQUIRED", message, undefined, {
      "www-authenticate": "OTP",
      "npm-notice": ascii(message),
    });
  }
}

/** Headers are Latin-1 and one line; npm prints npm-notice as is. */
export const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, "-").slice(0, 500);

/** The user's npm 2FA mode: their choice, else auth-and-writes once any factor is enrolled (npm's default). */
export async function tfaModeOf(deps: Pick<Deps, "db">, userId: string): Promise<TfaMode> {
  const r = await deps.db
    .selectFrom("users")
    .select("npm_tfa_mode")
    .where("id", "=", userId)
    .executeTakeFirst();
  return r?.npm_tfa_mode === "auth-only" ? "auth-only" : "auth-and-writes";
}

export interface Operation {
  /** What the person confirms in the browser, e.g. "publish demo@1.2.0". */
  description: string;
  /** Logins and token/profile changes ("auth"), or package writes ("write"). */
  kind: "auth" | "write";
  project?: Project | null;
}

/**
 * npm's second factor on a request. "auth" operations need it whenever a factor is enrolled;
 * "write" operations when the user's mode is auth-and-writes or the package requires 2FA. A token
 * marked bypass-2FA skips it for writes, unless the package said mfa=publish (no exemptions).
 * The code travels in `npm-otp`: a TOTP, a recovery code, or a one-time password from the browser
 * hand-off (bound to this very request). Users with a security key are offered the browser.
 */
export async function requireSecondFactor(
  deps: Deps,
  req: FastifyRequest,
  user: User,
  token: TokenActor | null,
  op: Operation,
): Promise<void> {
  const factors = await factorSummary(deps.db, user.id);
  if (op.kind === "write") {
    const rule = op.project ? await mfaRequirementOf(deps.db, op.project.id) : null;
    const required = rule !== null && rule.level !== "none";
    if (required && !factors.enrolled) {
      throw npmErrors.TFA_REQUIRED(
        `The owners of ${op.project?.name} require two-factor authentication to publish it. Enable it with \`npm profile enable-2fa auth-and-writes\` or at ${deps.config.origin}/account/two-factor`,
      );
    }
    const byMode = factors.enrolled && (await tfaModeOf(deps, user.id)) === "auth-and-writes";
    if (!byMode && !required) return;
    if (token?.bypass2fa && (!required || rule.tokensExempt)) return;
  } else if (!factors.enrolled) {
    return;
  }
  const operation = `${req.method} ${req.url.split("?")[0]}`;
  const otp = String(req.headers["npm-otp"] ?? "").trim();
  if (!otp) {
    const message = `This operation (${op.description}) requires a one-time password from your authenticator${factors.keys.length ? " or your security key" : ""}. Pass --otp=<code>.`;
    if (factors.keys.length === 0) throw new OtpChallenge(message);
    const wa = await createWebAuth(deps, {
      kind: "otp",
      userId: user.id,
      description: op.description,
      operation,
      ip: req.ip,
    });
    throw new OtpChallenge(message, {
      authUrl: `${deps.config.origin}/npm-cli/confirm/${wa.id}`,
      doneUrl: `${deps.config.origin}/npm/-/v1/done/${wa.id}/${wa.secret}`,
    });
  }
  await verifyOtp(deps, req, user, operation, otp, factors.totp !== null);
}

async function verifyOtp(
  deps: Deps,
  req: FastifyRequest,
  user: User,
  operation: string,
  otp: string,
  hasTotp: boolean,
): Promise<void> {
  if (otp.startsWith(WEB_OTP_PREFIX)) {
    if (await spendWebOtp(deps, user.id, operation, otp)) return;
    throw new OtpChallenge(
      "That browser confirmation is not valid for this request, expired, or was already used.",
    );
  }
  const digits = /^[\d\s]+$/.test(otp);
  if (digits && !hasTotp)
    throw new OtpChallenge(
      "Your account has no authenticator app: use a recovery code or your security key.",
    );
  try {
    await checkGuessable(deps, requestContext(req), user, { kind: digits ? "totp" : "recovery", code: otp });
  } catch (e) {
    // Wrong, replayed or badly formed: ask again (npm re-prompts once on a terminal), saying why.
    if (e instanceof AppError && e.status === 400) throw new OtpChallenge(e.message);
    throw e;
  }
}
