import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { confirmSudoMfa, factorSummary } from "../../mfa/index.js";
import { safeNext, sendPage } from "../context.js";
import { checkFields, formFailure, readForm, requestContext, required } from "../forms.js";
import { SudoPage } from "../pages/auth.js";

/** Sudo mode: password plus the second factor when one is enrolled (or a passkey alone, via script). */
export function registerSudoRoutes(app: FastifyInstance, deps: Deps): void {
  const page = async (userId: string) => {
    const f = await factorSummary(deps.db, userId);
    return { needsFactor: f.enrolled, hasKey: f.keys.some((k) => k.isPasskey) };
  };
  app.get("/account/sudo", async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    if (!req.auth) return reply.redirect(`/account/login?next=${encodeURIComponent(next)}`, 303);
    const p = await page(req.auth.user.id);
    return sendPage(deps, req, reply, "Confirm it is you", (c) => SudoPage(c, { next, ...p }));
  });
  app.post("/account/sudo", async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    if (!req.auth) return reply.redirect(`/account/login?next=${encodeURIComponent(next)}`, 303);
    const form = readForm(req, ["password", "code"]);
    const code = form.code.trim();
    const factor = code
      ? /^\d[\d\s]{5,7}$/.test(code)
        ? { kind: "totp" as const, code }
        : { kind: "recovery" as const, code }
      : undefined;
    const p = await page(req.auth.user.id);
    try {
      // Blank fields are said together, before the password is tried (and counted by the rate limit).
      checkFields({
        password: required(form.password, "Enter your password."),
        code:
          p.needsFactor &&
          required(
            form.code,
            "Enter a code from your authenticator app or a recovery code, or use your security key.",
          ),
      });
      await confirmSudoMfa(deps, requestContext(req), req.auth.user, req.auth.session, {
        password: form.password,
        factor,
      });
      return reply.redirect(next, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      if (state.errors?.recovery_code) state.errors = { code: state.errors.recovery_code };
      return sendPage(
        deps,
        req,
        reply,
        "Confirm it is you",
        (c) => SudoPage(c, { ...state, next, ...p }),
        status,
      );
    }
  });
}
