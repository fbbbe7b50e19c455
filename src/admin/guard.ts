import type { FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../deps.js";
import type { AppError } from "../lib/errors.js";
import { factorSummary } from "../mfa/index.js";
import { sendPage, type WebAuth } from "../web/index.js";
import type { AuditActor } from "./audit.js";
import { adminErrors } from "./errors.js";
import { ConsoleRefusedPage } from "./pages/layout.js";

/** Why a request may not act as an operator; `null` means it may. */
export type AdminRefusal = "signed-out" | "not-admin" | "no-key" | "weak-session";

/**
 * The one decision for every operator surface (console pages and the /api/ JSON endpoints alike):
 * an admin account, with a security key enrolled, in a session signed in with it (OpenSSF L3; an
 * operator's account is the most valuable account on the registry, so a phished password or relayed
 * TOTP code must not open it — issue 11, item 8). Fails closed: anything unexpected refuses.
 */
export async function adminRefusal(
  deps: Deps,
  auth: WebAuth | null | undefined,
): Promise<AdminRefusal | null> {
  if (!auth) return "signed-out";
  if (auth.user.isAdmin !== true) return "not-admin";
  const factors = await factorSummary(deps.db, auth.user.id);
  if (!factors.keys.length) return "no-key";
  if (auth.session.phishingResistant !== true) return "weak-session";
  return null;
}

/**
 * The console's dialect of that decision: returns the admin, or sends the refusal page (or the
 * sign-in redirect) and returns null.
 */
export async function admitAdmin(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<WebAuth | null> {
  const refusal = await adminRefusal(deps, req.auth);
  if (refusal === null && req.auth) return req.auth;
  if (refusal === "signed-out" || !req.auth) {
    await reply.redirect(`/account/login?next=${encodeURIComponent(req.url)}`, 303);
    return null;
  }
  // Not an admin: the same 404 as any unknown page, the console's existence is not advertised.
  const notAdmin = refusal === "not-admin";
  await sendPage(
    deps,
    req,
    reply,
    notAdmin ? "Page not found" : "Security key required",
    (c) => ConsoleRefusedPage(c, { reason: refusal ?? "not-admin" }),
    notAdmin ? 404 : 403,
  );
  return null;
}

const API_REFUSALS: Record<AdminRefusal, () => AppError> = {
  "signed-out": () => adminErrors.SIGN_IN_REQUIRED(),
  "not-admin": () => adminErrors.ADMIN_ONLY(),
  "no-key": () => adminErrors.SECURITY_KEY_REQUIRED(),
  "weak-session": () => adminErrors.SECURITY_KEY_SESSION_REQUIRED(),
};

/** The JSON dialect of the same decision, for /api/ operator endpoints: the admin, or a 401/403 error. */
export async function requireApiAdmin(deps: Deps, req: FastifyRequest): Promise<WebAuth> {
  const refusal = await adminRefusal(deps, req.auth);
  if (refusal !== null || !req.auth) throw API_REFUSALS[refusal ?? "signed-out"]();
  return req.auth;
}

/** The admin of a console request (set by the scope's preHandler, so handlers never see null). */
export function adminOf(req: FastifyRequest): WebAuth {
  if (!req.auth?.user.isAdmin) throw new Error("admin route without the console guard");
  return req.auth;
}

/** The acting admin, as the audit log names them. Only call inside the console scope. */
export function auditActor(req: FastifyRequest): AuditActor {
  if (!req.auth?.user.isAdmin) throw new Error("admin route without the console guard");
  return { id: req.auth.user.id, name: req.auth.user.username, ip: req.ip };
}
