import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { User } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { isAppError } from "../../lib/errors.js";
import { confirmSavedRecoveryCodes, openRecoveryCodes, sealRecoveryCodes } from "../../mfa/index.js";
import { sendPage, setFlash } from "../context.js";
import { formFailure, readForm } from "../forms.js";
import type { FormState } from "../pages/auth.js";
import { RecoveryCodesPage } from "../pages/recovery-codes.js";

/** Renders a new set of recovery codes (the only response that has them in clear; never cached). */
export function sendRecoveryCodes(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
  user: User,
  codes: string[],
  state: FormState = {},
  status = 200,
): FastifyReply {
  const sealed = sealRecoveryCodes(deps, user, codes);
  return sendPage(
    deps,
    req,
    reply,
    "Save your recovery codes",
    (c) =>
      RecoveryCodesPage(c, {
        ...state,
        codes,
        sealed,
        siteName: deps.config.siteName,
        username: user.username,
        generatedAt: deps.clock.now(),
      }),
    status,
  );
}

/** One code typed back confirms the set; a typo shows the same codes again with the error at the field. */
export function registerRecoveryCodeRoutes(app: FastifyInstance, deps: Deps): void {
  app.post("/account/two-factor/recovery-codes/confirm", async (req, reply) => {
    const auth = req.auth;
    if (!auth) return reply.redirect("/account/login?next=%2Faccount%2Ftwo-factor", 303);
    const form = readForm(req, ["sealed", "saved_code"]);
    try {
      await confirmSavedRecoveryCodes(deps, auth.user, form.sealed, form.saved_code);
      setFlash(deps, reply, {
        kind: "success",
        message: "Recovery codes saved. Your account is protected by two-factor authentication.",
      });
      return reply.redirect("/account/two-factor", 303);
    } catch (e) {
      if (isAppError(e) && e.code === "SAVED_CODE_WRONG") {
        const { state, status } = formFailure(e, reply, { saved_code: form.saved_code });
        const codes = openRecoveryCodes(deps, auth.user, form.sealed);
        return sendRecoveryCodes(deps, req, reply, auth.user, codes, state, status);
      }
      const { state } = formFailure(e, reply, {});
      setFlash(deps, reply, { kind: "error", message: state.error ?? "Could not confirm the codes." });
      return reply.redirect("/account/two-factor", 303);
    }
  });
}
