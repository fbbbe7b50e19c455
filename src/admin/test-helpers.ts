/**
 * Console test helpers: admins who sign in the way the console demands (a security key through the real
 * second-step pages) or the ways it refuses, and plain accounts to act on.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { expect } from "vitest";
import { registerUser, type User } from "../accounts/index.js";
import { addKey, postJson, SoftAuthenticator } from "../mfa/test-fixtures.js";
import { codeAt, enrollTotp, passwordStep, signedUp } from "../mfa/test-helpers.js";
import type { FormClient, TestApp } from "../test-support/index.js";

export const PASSWORD = "correct horse battery";

async function makeAdmin(t: TestApp, username: string): Promise<string> {
  const r = await t.deps.db
    .updateTable("users")
    .set({ is_admin: 1 })
    .where("username", "=", username)
    .returning("id")
    .executeTakeFirstOrThrow();
  return r.id;
}

/**
 * An admin signed in with password + security key (a phishing-resistant session), on a console page so
 * the client holds its CSRF token. Each admin signs in from its own IP (login rate limits are per IP).
 */
export async function signedInAdmin(
  t: TestApp,
  username = "root",
  ip = "10.77.0.1",
): Promise<{ web: FormClient; id: string; key: SoftAuthenticator }> {
  const setup = await signedUp(t, username, ip);
  const id = await makeAdmin(t, username);
  const key = new SoftAuthenticator(t.deps.config.origin);
  expect((await addKey(t, setup, key, `${username}'s key`)).statusCode).toBe(200);
  const web = await passwordStep(t, username, ip);
  const o = await postJson(t, web, "/account/login/webauthn/options", {});
  const { challengeId, options } = o.json() as {
    challengeId: string;
    options: PublicKeyCredentialRequestOptionsJSON;
  };
  const done = await postJson(t, web, "/account/login/webauthn", {
    challengeId,
    response: key.assert(options),
  });
  expect(done.statusCode, done.body).toBe(200);
  expect((await web.get("/admin/users")).statusCode).toBe(200);
  return { web, id, key };
}

/**
 * An admin signed in with password + authenticator app: a real second factor, but one a phishing site
 * can relay. `withKey` also gives the account a security key it did not use for this sign-in.
 */
export async function totpAdmin(
  t: TestApp,
  username: string,
  ip: string,
  opts: { withKey?: boolean } = {},
): Promise<FormClient> {
  const setup = await signedUp(t, username, ip);
  await makeAdmin(t, username);
  const { secret } = await enrollTotp(t, setup);
  if (opts.withKey)
    expect((await addKey(t, setup, new SoftAuthenticator(t.deps.config.origin), "key")).statusCode).toBe(303);
  const web = await passwordStep(t, username, ip);
  // A fresh time step: the enrollment just spent the current one (replay protection).
  t.clock.advance(30_000);
  const done = await web.post("/account/login/two-factor", { code: codeAt(secret, t.clock.now()) });
  expect(done.statusCode).toBe(303);
  return web;
}

/** A verified account created by an operator (no rate limit, no mail round trip). */
export function account(t: TestApp, username: string, email = `${username}@example.com`): Promise<User> {
  return registerUser(
    t.deps,
    { ip: "127.0.0.1" },
    { username, email, password: PASSWORD, verified: true },
    { viaOperator: true },
  );
}

/** The audit rows, oldest first. */
export async function auditRows(t: TestApp) {
  const rows = await t.deps.db.selectFrom("admin_audit").selectAll().orderBy("id").execute();
  return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> }));
}
