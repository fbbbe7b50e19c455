/**
 * Helpers for the web page tests (not built: tsconfig.build.json excludes test-fixtures.ts). A page
 * test signs people in through the real login form and publishes through the real /legacy/ API.
 */
import { confirmSudo, findSession, registerUser, startSession, type User } from "../accounts/index.js";
import { MINUTE } from "../lib/clock.js";
import { buildWheel } from "../packages/archives/test-fixtures.js";
import { basicAuth, FormClient, type TestApp, tokenFor, twineForm } from "../test-support/index.js";
import { cookieNames } from "./context.js";

export const PASSWORD = "correct horse battery";

/**
 * A user (verified unless told otherwise) with a browser-like client holding a fresh session (which
 * starts in sudo mode). The session is opened through the accounts domain, not the login form: how
 * people sign in (password, second factor) is the login pages' business and has its own tests.
 */
export async function signedInUser(
  t: TestApp,
  username: string,
  opts: { verified?: boolean } = {},
): Promise<{ user: User; web: FormClient }> {
  const user = await registerUser(
    t.deps,
    { ip: "127.0.0.1" },
    { username, email: `${username}@example.com`, password: PASSWORD, verified: opts.verified ?? true },
    { viaOperator: true },
  );
  const { cookie } = await startSession(t.deps, { ip: "127.0.0.1" }, user, "password");
  const web = new FormClient(t.app);
  web.cookies.set(cookieNames(false).session, cookie);
  return { user, web };
}

/** Re-enters sudo mode for the client's session with the password, as the /account/sudo page does. */
export async function reenterSudo(t: TestApp, web: FormClient): Promise<void> {
  const policy = { idleMs: t.deps.config.sessionIdleMs, maxMs: t.deps.config.sessionMaxMs };
  const cookie = web.cookies.get(cookieNames(false).session) ?? "";
  const session = await findSession(t.deps.db, t.clock.now(), policy, cookie);
  if (!session) throw new Error("no session");
  await confirmSudo(t.deps, { ip: "127.0.0.1" }, session, PASSWORD);
}

/** Moves time past the 15-minute sudo window (sessions stay alive: idle timeout is longer). */
export function leaveSudo(t: TestApp): void {
  t.clock.advance(16 * MINUTE);
}

export interface PublishOptions {
  summary?: string;
  description?: string;
  contentType?: string;
  /** Extra METADATA header lines ("Project-URL: ...", "License: ..."). */
  extra?: string;
}

/** Publishes a wheel with twine's form through /legacy/ (creating the project on first upload). */
export async function publish(
  t: TestApp,
  dir: string,
  token: string,
  name: string,
  version: string,
  o: PublishOptions = {},
) {
  const metadata =
    `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: ${o.summary ?? `Test package ${name}`}\n` +
    `Requires-Python: >=3.8\n${o.extra ? `${o.extra.replace(/\n+$/, "")}\n` : ""}` +
    `Description-Content-Type: ${o.contentType ?? "text/markdown"}\n\n${o.description ?? `# ${name}\n\nA test package.\n`}`;
  const wheel = await buildWheel(dir, { name, version, metadata });
  const form = await twineForm(wheel, { name, version });
  return t.app.inject({
    method: "POST",
    url: "/legacy/",
    payload: form.payload,
    headers: { ...form.headers, authorization: basicAuth("__token__", token) },
  });
}

/** An account-wide API token for a user, minted directly (the tokens page has its own tests). */
export function accountToken(t: TestApp, userId: string): Promise<string> {
  return tokenFor(t, userId, null);
}

export async function projectIdOf(t: TestApp, normalizedName: string): Promise<string> {
  const r = await t.deps.db
    .selectFrom("projects")
    .select("id")
    .where("normalized_name", "=", normalizedName)
    .executeTakeFirstOrThrow();
  return r.id;
}

/** The PEP 691 JSON of a project's simple page. */
export async function simpleJson(t: TestApp, name: string) {
  const res = await t.app.inject({
    url: `/simple/${name}/`,
    headers: { accept: "application/vnd.pypi.simple.v1+json" },
  });
  return {
    status: res.statusCode,
    body: res.json() as {
      versions: string[];
      files: Array<{ filename: string; url: string; yanked: boolean | string }>;
    },
  };
}
