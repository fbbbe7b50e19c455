import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { changePassword, type Session, type User } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { recordEvent } from "../../events/index.js";
import {
  beginCliTotpEnrollment,
  cancelCliTotpEnrollment,
  confirmCliTotpEnrollment,
  factorSummary,
  hasPendingTotp,
  removeTotpReauthenticated,
} from "../../mfa/index.js";
import { requestContext, requireAuth, requireWriter } from "./auth.js";
import { npmErrors } from "./errors.js";
import { ascii, requireSecondFactor, tfaModeOf } from "./second-factor.js";
import { confirmPassword } from "./tokens.js";

const iso = (ms: number) => new Date(ms).toISOString();

async function profile(deps: Deps, user: User) {
  const f = await factorSummary(deps.db, user.id);
  const mode = await tfaModeOf(deps, user.id);
  const tfa = f.enrolled
    ? { mode, pending: false }
    : (await hasPendingTotp(deps, user.id))
      ? { mode, pending: true }
      : false;
  return {
    name: user.username,
    email: user.email,
    email_verified: user.emailVerified,
    created: iso(user.createdAt),
    updated: iso(Math.max(user.createdAt, user.passwordChangedAt)),
    tfa,
    cidr_whitelist: null,
    fullname: "",
  };
}

const Body = z.looseObject({
  tfa: z
    .union([
      z.object({ password: z.string().max(4096), mode: z.enum(["auth-only", "auth-and-writes", "disable"]) }),
      z.array(z.string().max(100)).length(1),
    ])
    .optional(),
  password: z.object({ old: z.string().max(4096), new: z.string().max(4096) }).nullish(),
  email: z.string().nullish(),
});

/** The npm CLI keeps no web session; a password change from it ends every browser session. */
const NO_SESSION = { idHash: "" } as Session;

async function setMode(deps: Deps, req: FastifyRequest, user: User, mode: string): Promise<void> {
  const now = deps.clock.now();
  await deps.db.updateTable("users").set({ npm_tfa_mode: mode }).where("id", "=", user.id).execute();
  await recordEvent(deps.db, now, requestContext(req), {
    type: "mfa.npm_mode_changed",
    userId: user.id,
    data: { mode },
  });
}

/**
 * `/-/npm/v1/user`: npm profile get/set, enable-2fa and disable-2fa over the web's own factors —
 * the same TOTP, recovery codes, events and mails (mfa/cli-enroll.ts), one account.
 */
export function registerProfile(app: FastifyInstance, deps: Deps): void {
  app.get("/npm/-/npm/v1/user", async (req) => profile(deps, (await requireAuth(deps, req)).user));

  app.post("/npm/-/npm/v1/user", async (req: FastifyRequest, reply: FastifyReply) => {
    const parsed = Body.safeParse(req.body);
    if (!parsed.success) throw npmErrors.BODY_INVALID("The profile change could not be read.");
    const b = parsed.data;
    const { user } = await requireWriter(deps, req);
    const ctx = requestContext(req);
    if (Array.isArray(b.tfa)) {
      // Step 2 of enable-2fa: one code proves the app holds the secret. Codes come back only the first time.
      const codes = await confirmCliTotpEnrollment(deps, ctx, user, b.tfa[0]!);
      if (!codes)
        reply.header(
          "npm-notice",
          ascii("Your existing recovery codes stay valid; manage them on the website."),
        );
      return { tfa: codes ?? [] };
    }
    if (b.tfa) {
      await confirmPassword(deps, req, user, b.tfa.password);
      const f = await factorSummary(deps.db, user.id);
      if (b.tfa.mode === "disable") {
        await cancelCliTotpEnrollment(deps, user.id);
        if (f.totp) {
          await requireSecondFactor(deps, req, user, null, {
            kind: "auth",
            description: "turn off two-factor authentication",
          });
          await removeTotpReauthenticated(deps, ctx, user);
          if (f.keys.length)
            reply.header(
              "npm-notice",
              ascii("Your security keys are still enrolled; remove them on the website."),
            );
        }
        return { tfa: false };
      }
      if (f.totp) {
        await requireSecondFactor(deps, req, user, null, {
          kind: "auth",
          description: `set two-factor mode ${b.tfa.mode}`,
        });
        await setMode(deps, req, user, b.tfa.mode);
        return { tfa: { mode: b.tfa.mode, pending: false } };
      }
      // Adding a factor to an account that has one (a security key) needs that factor first.
      await requireSecondFactor(deps, req, user, null, {
        kind: "auth",
        description: "add an authenticator app",
      });
      const uri = await beginCliTotpEnrollment(deps, user);
      await setMode(deps, req, user, b.tfa.mode);
      return { tfa: uri };
    }
    if (b.email && b.email !== user.email)
      throw npmErrors.UNSUPPORTED(
        `Change your email address at ${deps.config.origin}/account/ (it must be verified).`,
      );
    if (b.password) {
      await requireSecondFactor(deps, req, user, null, { kind: "auth", description: "change your password" });
      await changePassword(deps, ctx, user, NO_SESSION, b.password.old, b.password.new);
    }
    return profile(deps, user);
  });
}
