import { HOTP, Secret } from "otpauth";
import { expect } from "vitest";
import { FormClient, type TestApp, textOf } from "../test-support/index.js";
import { PERIOD_MS } from "./totp.js";

/** The TOTP code for `secret` at `atMs` (a test plays the authenticator app). */
export function codeAt(secret: string, atMs: number): string {
  return HOTP.generate({
    secret: Secret.fromBase32(secret),
    counter: Math.floor(atMs / PERIOD_MS),
    digits: 6,
  });
}

/** Registers `username` through the pages (signed in, inside the sudo window of that sign-in). */
export async function signedUp(t: TestApp, username: string, ip = "127.0.0.1"): Promise<FormClient> {
  const web = new FormClient(t.app, ip);
  await web.get("/account/register");
  const res = await web.post("/account/register", {
    username,
    email: `${username}@example.com`,
    password: "correct horse battery",
  });
  expect(res.statusCode).toBe(303);
  await web.get("/account/");
  return web;
}

/** Enrolls TOTP through the pages; returns the secret and the recovery codes shown once. */
export async function enrollTotp(t: TestApp, web: FormClient): Promise<{ secret: string; codes: string[] }> {
  const page = await web.get("/account/two-factor/totp");
  expect(page.statusCode).toBe(200);
  // Shown in groups of four, as people read it; apps take it with or without the spaces.
  const secret = textOf(page.body, "totp-secret")!.replace(/\s+/g, "");
  const sealed = /name="sealed" value="([^"]+)"/.exec(page.body)![1]!;
  const done = await web.post("/account/two-factor/totp", { sealed, code: codeAt(secret, t.clock.now()) });
  expect(done.statusCode).toBe(200);
  const codes = [...done.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
  expect(codes).toHaveLength(10);
  return { secret, codes };
}

/** Signs out, then runs the password step in a fresh browser; returns it, on the second-step page. */
export async function passwordStep(t: TestApp, username: string, ip = "127.0.0.2"): Promise<FormClient> {
  const web = new FormClient(t.app, ip);
  await web.get("/account/login");
  const res = await web.post("/account/login", { username, password: "correct horse battery" });
  expect(res.statusCode).toBe(303);
  expect(res.headers.location).toContain("/account/login/two-factor");
  await web.get(res.headers.location as string);
  return web;
}
