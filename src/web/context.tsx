import type {} from "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { JSX } from "preact";
import { render } from "preact-render-to-string";
import { findSession, getUser, type Session, type User } from "../accounts/index.js";
import type { Deps } from "../deps.js";
import { surfaceOf } from "../http/surfaces.js";
import { randomToken, safeEqual } from "../lib/crypto.js";
import { type Banner, bannersFor } from "../mandates/index.js";
import { openRequestOf } from "../recovery/index.js";
import { webErrors } from "./errors.js";
import { type Flash, Layout } from "./layout.js";

export interface WebAuth {
  user: User;
  session: Session;
  cookie: string;
}

declare module "fastify" {
  interface FastifyRequest {
    auth: WebAuth | null;
    anonId: string | null;
    /** MFA mandate banners for the signed-in maintainer (mandates/notices.ts). */
    banners: Banner[];
    /** An open recovery request on the signed-in account: shown on every page so the owner can stop it. */
    recoveryOpen: boolean;
  }
}

/** `__Host-` cookies must be Secure, on path /, without Domain: a sibling subdomain cannot plant them. */
export function cookieNames(secure: boolean) {
  const p = secure ? "__Host-" : "";
  return { session: `${p}wharf_session`, anon: `${p}wharf_anon`, flash: `${p}wharf_flash` };
}

export function cookieOptions(deps: Deps, maxAgeSeconds?: number) {
  return {
    path: "/",
    httpOnly: true,
    sameSite: "lax" as const,
    secure: deps.config.secureCookies,
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}

/** Loads the signed-in user (if any) for every web request. */
export function registerWebContext(app: FastifyInstance, deps: Deps): void {
  const names = cookieNames(deps.config.secureCookies);
  const policy = { idleMs: deps.config.sessionIdleMs, maxMs: deps.config.sessionMaxMs };
  app.decorateRequest("auth", null);
  app.decorateRequest("anonId", null);
  app.decorateRequest("banners");
  app.decorateRequest("recoveryOpen", false);
  app.addHook("onRequest", (req, _reply, done) => {
    req.anonId = req.cookies[names.anon] ?? null;
    req.banners = [];
    const cookie = req.cookies[names.session];
    // Most protocol traffic (pip, npm installs) carries no cookie: stay synchronous for it.
    if (!cookie) return done();
    loadAuth(req, cookie).then(() => done(), done);
  });
  async function loadAuth(req: FastifyRequest, cookie: string): Promise<void> {
    const session = await findSession(deps.db, deps.clock.now(), policy, cookie);
    const user = session ? await getUser(deps.db, session.userId) : null;
    if (session && user && !user.isFrozen) req.auth = { user, session, cookie };
    // Pages only (not API or protocol routes, see http/surfaces.ts): mandate banners for the signed-in maintainer.
    if (req.auth && surfaceOf(req.url).page) {
      req.banners = await bannersFor(deps, req.auth.user.id);
      req.recoveryOpen = (await openRequestOf(deps.db, req.auth.user.id)) !== null;
    }
  }
}

/**
 * CSRF: a synchronizer token derived (HMAC) from the session, or for signed-out forms from a random
 * per-browser cookie. A form posted from another site cannot know it; SameSite=Lax is the second wall.
 */
export function csrfToken(deps: Deps, req: FastifyRequest, reply: FastifyReply): string {
  if (req.auth) return deps.keys.sign("csrf", `s:${req.auth.session.publicId}`);
  if (!req.anonId) {
    req.anonId = randomToken(18);
    reply.setCookie(
      cookieNames(deps.config.secureCookies).anon,
      req.anonId,
      cookieOptions(deps, 60 * 60 * 24 * 30),
    );
  }
  return deps.keys.sign("csrf", `a:${req.anonId}`);
}

export function checkCsrf(deps: Deps, req: FastifyRequest): void {
  const body = (req.body ?? {}) as Record<string, unknown>;
  // Scripts (the WebAuthn ceremonies) post JSON and send the token in a header instead of a field.
  // Another site cannot set a custom header on a cross-origin request without a CORS preflight we never
  // answer, and it cannot read the token either; the token check below is the same for both.
  const header = req.headers["x-csrf-token"];
  const isJson = /^application\/json\b/i.test(String(req.headers["content-type"] ?? ""));
  const sent =
    typeof body._csrf === "string" ? body._csrf : isJson && typeof header === "string" ? header : "";
  const subject = req.auth ? `s:${req.auth.session.publicId}` : req.anonId ? `a:${req.anonId}` : null;
  const origin = req.headers.origin;
  // A browser's Origin on a cross-site POST names the attacker's site; refuse it outright.
  if (origin && origin !== "null" && origin !== deps.config.origin) {
    throw webErrors.CSRF_ORIGIN();
  }
  if (!subject || !sent || !safeEqual(sent, deps.keys.sign("csrf", subject))) {
    throw webErrors.CSRF_INVALID();
  }
}

export function setFlash(deps: Deps, reply: FastifyReply, flash: Flash): void {
  const value = deps.keys.seal("flash", Buffer.from(JSON.stringify(flash)).toString("base64url"));
  reply.setCookie(cookieNames(deps.config.secureCookies).flash, value, cookieOptions(deps, 60));
}

function takeFlash(deps: Deps, req: FastifyRequest, reply: FastifyReply): Flash | null {
  const name = cookieNames(deps.config.secureCookies).flash;
  const raw = req.cookies[name];
  if (!raw) return null;
  reply.clearCookie(name, { path: "/" });
  const payload = deps.keys.unseal("flash", raw);
  if (!payload) return null;
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Flash;
  } catch {
    return null;
  }
}

export interface PageContext {
  csrf: string;
  user: User | null;
}

/** Renders `body(ctx)` inside the layout. Pages get the CSRF token for their forms from ctx. */
export function sendPage(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
  title: string,
  body: (ctx: PageContext) => JSX.Element,
  status = 200,
): FastifyReply {
  const csrf = csrfToken(deps, req, reply);
  const ctx = { csrf, user: req.auth?.user ?? null };
  const html = render(
    <Layout
      banners={req.banners ?? []}
      recoveryOpen={req.recoveryOpen}
      siteName={deps.config.siteName}
      title={title}
      user={ctx.user}
      csrf={csrf}
      flash={takeFlash(deps, req, reply)}
    >
      {body(ctx)}
    </Layout>,
  );
  return reply
    .status(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(`<!doctype html>${html}`);
}

/** Only same-site relative paths: an open redirect after login would be a phishing tool. */
export function safeNext(next: unknown, fallback = "/account/"): string {
  return typeof next === "string" && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : fallback;
}
