/** Helpers for the recovery tests (not built: tsconfig.build.json excludes test-helpers.ts). */
import { expect } from "vitest";
import type { User } from "../accounts/index.js";
import { findLink } from "../mail/index.js";
import { addRole, insertProject } from "../packages/index.js";
import { FormClient, type TestApp } from "../test-support/index.js";

/** The newest mail to `to` whose subject contains `subject`. */
export async function mailTo(t: TestApp, to: string, subject: string) {
  const all = (await t.outbox()).filter((m) => m.to === to && m.subject.includes(subject));
  return all.at(-1);
}

/** A project `name` that every given user maintains (the first one owns it). */
export async function sharedProject(t: TestApp, name: string, users: User[]): Promise<string> {
  const p = await insertProject(t.deps.db, t.clock.now(), {
    ecosystem: "pypi",
    name,
    normalizedName: name,
    ultranormalizedName: name,
  });
  for (const [i, u] of users.entries())
    await addRole(t.deps.db, t.clock.now(), p.id, u.id, i === 0 ? "owner" : "maintainer");
  return p.id;
}

/**
 * Runs the first two steps as a person would in `web` (a fresh browser unless given): asks for a
 * link for `login`, opens it from the mail, continues. Leaves `web` on the proofs page.
 */
export async function confirmedRequest(
  t: TestApp,
  login: string,
  email: string,
  web = new FormClient(t.app, "198.51.100.7"),
): Promise<FormClient> {
  await web.get(`/account/recovery?login=${encodeURIComponent(login)}`);
  const sent = await web.post("/account/recovery", { login });
  expect(sent.statusCode).toBe(200);
  const mail = await mailTo(t, email, "Confirm account recovery");
  expect(mail, "confirmation mail").toBeDefined();
  const link = new URL(findLink(mail!.text, "/account/recovery/confirm")!);
  await web.get(link.pathname + link.search);
  const go = await web.post("/account/recovery/confirm", { token: link.searchParams.get("token")! });
  expect(go.statusCode).toBe(303);
  expect(go.headers.location).toBe("/account/recovery/proofs");
  await web.get("/account/recovery/proofs");
  return web;
}

/** The state the proofs page shows (data-state of #recovery-status), or "proofs" before submitting. */
export function shownState(body: string): string {
  return /id="recovery-status" data-state="([a-z]+)"/.exec(body)?.[1] ?? "proofs";
}
