import type { FastifyReply, FastifyRequest } from "fastify";
import { inSudo } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { isAppError } from "../../lib/errors.js";
import { setFlash, type WebAuth } from "../context.js";
import { webErrors } from "../errors.js";

/** Signed-out visitors go to the login page and come back afterwards. */
export function signedIn(req: FastifyRequest, reply: FastifyReply): WebAuth | null {
  if (req.auth) return req.auth;
  void reply.redirect(`/account/login?next=${encodeURIComponent(req.url)}`, 303);
  return null;
}

/**
 * Sensitive actions need a recent re-authentication. Outside the sudo window the browser is sent to
 * confirm its password and come back to `next` (a page, never the POST itself: the form is re-sent
 * by the person, who sees what they are confirming).
 */
export function requireSudo(
  deps: Deps,
  auth: WebAuth,
  reply: FastifyReply,
  next: string,
  message: string,
): boolean {
  if (inSudo(auth.session, deps.clock.now())) return true;
  setFlash(deps, reply, { kind: "info", message });
  void reply.redirect(`/account/sudo?next=${encodeURIComponent(next)}`, 303);
  return false;
}

/**
 * All values of a repeatable form field (checkboxes). readForm refuses repeated fields on purpose, so
 * lists are read here, bounded.
 */
export function readList(req: FastifyRequest, name: string, max = 500): string[] {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const v = body[name];
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  if (list.length > max || !list.every((x): x is string => typeof x === "string" && x.length <= 200))
    throw webErrors.FORM_INVALID();
  return list;
}

/** A query-string parameter as one string ("" when absent or repeated). */
export function queryParam(req: FastifyRequest, name: string): string {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === "string" ? v : "";
}

/** Shows a domain refusal as an error flash on the page the browser is sent back to. */
export function flashFailure(deps: Deps, reply: FastifyReply, e: unknown): void {
  if (!isAppError(e)) throw e;
  for (const [k, v] of Object.entries(e.headers ?? {})) reply.header(k, v);
  setFlash(deps, reply, { kind: "error", message: e.message });
}
