import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { quarantineProject } from "../../../src/admin/index.js";
import { signedInAdmin } from "../../../src/admin/test-helpers.js";
import { gemspecYaml } from "../../../src/ecosystems/rubygems/test-fixtures.js";
import { DAY } from "../../../src/lib/clock.js";
import { createMandate } from "../../../src/mandates/index.js";
import { addKey, SoftAuthenticator } from "../../../src/mfa/test-fixtures.js";
import { codeAt, enrollTotp, signedUp } from "../../../src/mfa/test-helpers.js";
import { publishBody } from "../../../src/protocols/npm/test-fixtures.js";
import { gemOf } from "../../../src/protocols/rubygems/test-fixtures.js";
import { confirmedRequest } from "../../../src/recovery/test-helpers.js";
import { fileReport } from "../../../src/reports/index.js";
import { type FormClient, tokenFor } from "../../../src/test-support/index.js";
import { publish } from "../../../src/web/test-fixtures.js";
import { type Registry, startRegistry } from "./recovery.js";

/** Who a page is visited as: each is one browser context holding that person's cookies. */
export type Visitor = "anonymous" | "maintainer" | "newcomer" | "operator" | "recovering";

/**
 * A registry with something on every page: a maintainer (authenticator app, security key, a PyPI project
 * with two releases, a third staged for approval, and a project depending on it, an npm package in a scope, gems, tokens, a collaborator), a newcomer with nothing yet,
 * an operator signed in with a security key, a mandate in its notice phase, and someone half-way through
 * an account recovery (their browser is on the proofs page). Built in-process through the pages and the
 * protocols (no shortcuts past the domain), then served over HTTP to Chromium.
 */
export interface World {
  registry: Registry;
  visitors: Record<Visitor, FormClient | null>;
  ids: {
    mandate: string;
    recovery: string;
    npmLogin: string;
    npmConfirm: string;
    gemConfirm: string;
    staged: string;
  };
  close(): Promise<void>;
}

export async function buildWorld(): Promise<World> {
  const registry = await startRegistry("sqlite");
  const { t } = registry;
  const work = mkdtempSync(join(tmpdir(), "wharf-screens-"));
  try {
    const operator = await signedInAdmin(t, "harbourmaster", "10.60.0.1");

    const maintainer = await signedUp(t, "alice", "10.60.0.2");
    // signedUp registers through the form; the verification link's own pages have their tests.
    const verify = (username: string) =>
      t.deps.db
        .updateTable("users")
        .set({ email_verified_at: t.clock.now() })
        .where("username", "=", username)
        .execute();
    await verify("alice");
    const { secret } = await enrollTotp(t, maintainer);
    expect((await addKey(t, maintainer, new SoftAuthenticator(registry.origin), "Blue key")).statusCode).toBe(
      303,
    );
    const alice = await t.deps.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", "alice")
      .executeTakeFirstOrThrow();
    const token = await tokenFor(t, alice.id, null);
    for (const version of ["1.0", "2.0"]) {
      const r = await publish(t, work, token, "demo-pkg", version, {
        description:
          "# demo-pkg\n\nA package with a **README**, a table and code.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
      });
      expect(r.statusCode, r.body).toBe(200);
    }
    // A project of alice's under quarantine (its owner's pages show the banner) and a reported one
    // (the console's queue has both kinds of rows).
    expect((await publish(t, work, token, "demo-held", "1.0")).statusCode).toBe(200);
    const harbourmaster = { id: operator.id, name: "harbourmaster", ip: "10.60.0.1" };
    await quarantineProject(
      t.deps,
      harbourmaster,
      "pypi",
      "demo-held",
      "Reported: posts tokens to a remote host",
    );
    // Something depends on demo-pkg: its page says "Used by 1 project" and its dependents page lists it.
    const app = await publish(t, work, token, "demo-app", "1.0", { extra: "Requires-Dist: demo-pkg>=1.0" });
    expect(app.statusCode, app.body).toBe(200);
    // demo-pkg's owners want token uploads approved with a key (issue 16): 3.0 waits on /staged/<id>,
    // and its project page lists it for alice only. (No page sets the rule yet: the manage page will.)
    await t.deps.db
      .updateTable("projects")
      .set({ stage_requirement: "phishing-resistant" })
      .where("normalized_name", "=", "demo-pkg")
      .execute();
    const staged = await publish(t, work, token, "demo-pkg", "3.0");
    expect(staged.statusCode, staged.body).toBe(200);
    const stagedId = (
      await t.deps.db
        .selectFrom("staged_releases")
        .select("id")
        .where("version", "=", "3.0")
        .executeTakeFirstOrThrow()
    ).id;
    // npm asks an account with two-factor for a one-time password on publish, or to confirm in the
    // browser (its page is one of those visited); the enrolment spent this time step.
    const body = await publishBody("@acme/tool", "1.0.0", { readme: "# @acme/tool\n\nA scoped package." });
    const asked = await t.app.inject({
      method: "PUT",
      url: "/npm/@acme%2ftool",
      payload: body,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asked.statusCode, asked.body).toBe(401);
    const npmConfirm = (asked.json() as { authUrl: string }).authUrl.split("/").pop() ?? "";
    t.clock.advance(30_000);
    const npm = await t.app.inject({
      method: "PUT",
      url: "/npm/@acme%2ftool",
      payload: body,
      headers: { authorization: `Bearer ${token}`, "npm-otp": codeAt(secret, t.clock.now()) },
    });
    expect(npm.statusCode, npm.body).toBe(201);
    // Gems: one with two platforms, a prerelease and a yanked version, depending on another (which
    // is then "Used by 1"); alice has a factor, so every write carries a fresh code (gem's OTP header).
    const gemWrite = async (method: "POST" | "DELETE", url: string, payload: Buffer | string) => {
      t.clock.advance(30_000);
      const r = await t.app.inject({
        method,
        url,
        payload,
        headers: {
          authorization: token,
          otp: codeAt(secret, t.clock.now()),
          "content-type":
            method === "POST" ? "application/octet-stream" : "application/x-www-form-urlencoded",
        },
      });
      expect(r.statusCode, r.body).toBe(200);
    };
    for (const [name, version, platform] of [
      ["rake", "13.0.1", "ruby"],
      ["hello-rg", "0.9.0", "ruby"],
      ["hello-rg", "1.0.0", "ruby"],
      ["hello-rg", "1.0.0", "x86_64-linux"],
      ["hello-rg", "1.1.0.pre.rc1", "ruby"],
    ] as const)
      await gemWrite("POST", "/rubygems/api/v1/gems", await gemOf(gemspecYaml({ name, version, platform })));
    await gemWrite("DELETE", "/rubygems/api/v1/gems/yank", "gem_name=hello-rg&version=0.9.0");
    // gem >= 3.4's security-key hand-off: the page it sends the person to.
    const verification = await t.app.inject({
      method: "POST",
      url: "/rubygems/api/v1/webauthn_verification",
      headers: { authorization: token },
    });
    expect(verification.statusCode, verification.body).toBe(200);
    const gemConfirm = verification.body.split("/").pop() ?? "";

    const newcomer = await signedUp(t, "newcomer", "10.60.0.3");
    const bob = await signedUp(t, "bob", "10.60.0.4");
    await verify("bob");
    await enrollTotp(t, bob);
    const bobId = await t.deps.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", "bob")
      .executeTakeFirstOrThrow();
    await fileReport(t.deps, { userId: bobId.id, emailVerified: true }, "pypi", "demo-pkg", {
      category: "malware",
      description: "The 2.0 wheel downloads and runs a script from a paste site at import.",
    });
    const recovering = await confirmedRequest(t, "bob", "bob@example.com");
    const request = await t.deps.db.selectFrom("recovery_requests").select("id").executeTakeFirstOrThrow();

    const now = t.clock.now();
    const mandate = await createMandate(t.deps.db, now, "harbourmaster", {
      name: "Everyone: any second factor",
      cohort: "all-users",
      strength: "any",
      noticeAt: now - DAY,
      warnAt: now + 20 * DAY,
      enforceAt: now + 40 * DAY,
    });
    const login = await t.app.inject({ method: "POST", url: "/npm/-/v1/login", remoteAddress: "10.60.0.9" });
    const npmLogin = (login.json() as { loginUrl: string }).loginUrl.split("/").pop() ?? "";

    return {
      registry,
      visitors: { anonymous: null, maintainer, newcomer, operator: operator.web, recovering },
      ids: { mandate: mandate.id, recovery: request.id, npmLogin, npmConfirm, gemConfirm, staged: stagedId },
      close: async () => {
        rmSync(work, { recursive: true, force: true });
        await registry.close();
      },
    };
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    await registry.close();
    throw e;
  }
}
