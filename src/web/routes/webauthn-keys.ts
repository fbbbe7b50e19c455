import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { inSudo } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import {
  cleanLabel,
  finishKeyRegistration,
  KEY_KINDS,
  type KeyKind,
  listKeys,
  renameKey,
} from "../../mfa/index.js";
import { sendPage, setFlash, type WebAuth } from "../context.js";
import { checkFields, formFailure, readForm, requestContext } from "../forms.js";
import type { FormState } from "../pages/auth.js";
import { KeysPage } from "../pages/keys.js";
import { sendRecoveryCodes } from "./recovery-codes.js";

const KEYS = "/account/two-factor/keys";

export const isKeyKind = (v: unknown): v is KeyKind => KEY_KINDS.includes(v as KeyKind);

/** The keys page and its two forms (finish adding a key, rename); both need sudo, like every factor change. */
export function registerKeyPages(app: FastifyInstance, deps: Deps): void {
  function gate(req: FastifyRequest, reply: FastifyReply): WebAuth | null {
    if (!req.auth) {
      void reply.redirect(`/account/login?next=${encodeURIComponent(KEYS)}`, 303);
      return null;
    }
    if (!inSudo(req.auth.session, deps.clock.now())) {
      setFlash(deps, reply, { kind: "info", message: "Confirm it is you first." });
      void reply.redirect(`/account/sudo?next=${encodeURIComponent(KEYS)}`, 303);
      return null;
    }
    return req.auth;
  }
  const page = async (
    req: FastifyRequest,
    reply: FastifyReply,
    auth: WebAuth,
    state: FormState,
    status = 200,
  ) => {
    const keys = await listKeys(deps.db, auth.user.id);
    return sendPage(
      deps,
      req,
      reply,
      "Security keys and passkeys",
      (c) => KeysPage(c, { ...state, keys }),
      status,
    );
  };

  app.get(KEYS, async (req, reply) => {
    const auth = gate(req, reply);
    return auth ? page(req, reply, auth, {}) : reply;
  });

  app.post(KEYS, async (req, reply) => {
    const auth = gate(req, reply);
    if (!auth) return reply;
    const form = readForm(req, ["label", "key_kind", "challenge_id", "response", "kind"]);
    try {
      // The name is judged first, by the domain's rule: without JavaScript it is the one thing to fix here.
      checkFields({ label: () => cleanLabel(form.label) });
      if (!form.response || !isKeyKind(form.key_kind)) {
        return page(
          req,
          reply,
          auth,
          {
            values: { label: form.label },
            error:
              "Adding a key needs JavaScript: your browser talks to the key through the WebAuthn API. Enable it for this site and try again.",
          },
          400,
        );
      }
      const added = await finishKeyRegistration(deps, requestContext(req), auth.user, auth.session, {
        kind: form.key_kind,
        label: form.label,
        challengeId: form.challenge_id,
        response: form.response,
      });
      if (added.recoveryCodes) {
        // The first factor: its recovery codes exist in clear only in this response, never stored.
        const codes = added.recoveryCodes;
        return sendRecoveryCodes(deps, req, reply, auth.user, codes);
      }
      setFlash(deps, reply, {
        kind: "success",
        message: `${form.key_kind === "passkey" ? "Passkey" : "Security key"} “${added.label}” added.`,
      });
      return reply.redirect(KEYS, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, { label: form.label });
      return page(req, reply, auth, state, status);
    }
  });

  app.post<{ Params: { id: string } }>(`${KEYS}/:id/rename`, async (req, reply) => {
    const auth = gate(req, reply);
    if (!auth) return reply;
    const form = readForm(req, ["label"]);
    try {
      await renameKey(deps, requestContext(req), auth.user, auth.session, req.params.id, form.label);
      setFlash(deps, reply, { kind: "success", message: `Renamed to “${form.label.trim()}”.` });
    } catch (e) {
      const message = formFailure(e, reply, {}).state;
      setFlash(deps, reply, {
        kind: "error",
        message: message.error ?? message.errors?.label ?? "Could not rename it.",
      });
    }
    return reply.redirect(KEYS, 303);
  });
}
