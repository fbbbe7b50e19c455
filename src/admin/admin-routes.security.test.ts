import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signedUp } from "../mfa/test-helpers.js";
import {
  createTestApp,
  FormClient,
  registeredRoutes,
  type TestApp,
  testDatabases,
} from "../test-support/index.js";
import { auditRows, signedInAdmin, totpAdmin } from "./test-helpers.js";

// Issue 11, item 8: /api/policy/* let a password-only admin session create or archive mandates and
// wrote no audit row. Every operator route — the console and the JSON API alike — must answer only an
// admin signed in with a security key. The table below is checked against the routes the app really
// registers, so a new /admin/ or /api/ route without a row here fails this test.

type Surface = "console" | "api" | "public" | "user" | "signed";
const ROUTES: ReadonlyArray<readonly [method: string, path: string, surface: Surface]> = [
  ["GET", "/admin", "console"],
  ["GET", "/admin/", "console"],
  ["GET", "/admin/static/console.js", "console"],
  ["GET", "/admin/recovery", "console"],
  ["GET", "/admin/recovery/:id", "console"],
  ["POST", "/admin/recovery/:id/decide", "console"],
  ["GET", "/admin/users", "console"],
  ["GET", "/admin/users/:username", "console"],
  ["POST", "/admin/users/:username/freeze", "console"],
  ["POST", "/admin/users/:username/unfreeze", "console"],
  ["POST", "/admin/users/:username/reset-mfa", "console"],
  ["POST", "/admin/users/:username/revoke", "console"],
  ["GET", "/admin/projects", "console"],
  ["GET", "/admin/projects/prohibited", "console"],
  ["POST", "/admin/projects/prohibited", "console"],
  ["POST", "/admin/projects/prohibited/allow", "console"],
  ["POST", "/admin/projects/lookalikes", "console"],
  ["POST", "/admin/projects/lookalikes/revoke", "console"],
  ["GET", "/admin/projects/:ecosystem/:name", "console"],
  ["POST", "/admin/projects/:ecosystem/:name/upload-limit", "console"],
  ["GET", "/admin/quarantine", "console"],
  ["POST", "/admin/quarantine", "console"],
  ["POST", "/admin/quarantine/release", "console"],
  ["POST", "/admin/quarantine/reject", "console"],
  ["POST", "/admin/quarantine/quarantine", "console"],
  ["POST", "/admin/quarantine/dismiss", "console"],
  ["GET", "/admin/critical", "console"],
  ["POST", "/admin/critical/designate", "console"],
  ["POST", "/admin/critical/remove", "console"],
  ["GET", "/admin/mandates", "console"],
  ["POST", "/admin/mandates", "console"],
  ["GET", "/admin/mandates/new", "console"],
  ["POST", "/admin/mandates/:id", "console"],
  ["GET", "/admin/mandates/:id/edit", "console"],
  ["POST", "/admin/mandates/:id/archive", "console"],
  ["GET", "/admin/giveaway", "console"],
  ["POST", "/admin/giveaway", "console"],
  ["GET", "/admin/domains", "console"],
  ["POST", "/admin/domains", "console"],
  ["POST", "/admin/domains/restore", "console"],
  ["GET", "/admin/audit", "console"],
  ["POST", "/api/policy/simulate", "api"],
  ["GET", "/api/policy/mandates", "api"],
  ["POST", "/api/policy/mandates", "api"],
  ["PUT", "/api/policy/mandates/:id", "api"],
  ["DELETE", "/api/policy/mandates/:id", "api"],
  // Public on purpose: consumers ask whether a project's maintainers are MFA-protected (DESIGN, "Who
  // uses it"); it answers counts only, never who lacks a factor.
  ["GET", "/api/projects/:ecosystem/:name/security", "public"],
  // Public on purpose: the paged list of project names, as /simple/ and npm search already publish them.
  ["GET", "/api/projects", "public"],
  // Public on purpose: which projects depend on a project is public metadata (their releases name it).
  ["GET", "/api/projects/:ecosystem/:name/dependents", "public"],
  // Any signed-in account (or API token) with a verified email: malware reports (issue 18). Its own
  // refusals are tested in src/reports/reports.security.test.ts; here: no operator guard, nothing stored.
  ["POST", "/api/projects/:ecosystem/:name/reports", "user"],
  // No account at all: a secret scanner's report is admitted by its signature (src/secret-scanning/,
  // refusals tested in src/secret-scanning/report.security.test.ts). Unsigned, from anyone: a 4xx.
  ["POST", "/api/secret-scanning/github", "signed"],
];

const SAMPLE: Record<string, string> = { id: "no-such-id", username: "joe", ecosystem: "pypi", name: "demo" };
const sample = (path: string) => path.replace(/:(\w+)/g, (_, p: string) => SAMPLE[p] ?? "x");

const CONSOLE_REFUSALS = [
  "There is no page at this address.",
  "needs phishing-resistant two-factor authentication",
  "was not signed in with a security key or passkey",
];

describe.each(testDatabases())("every operator route on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  it("has a row for every /admin/ and /api/ route the app registers, and no row for a missing one", () => {
    const operatorRoutes = registeredRoutes(t.app).filter((r) => / \/(admin|api)(\/|$)/.test(r));
    expect(operatorRoutes.length).toBeGreaterThan(30);
    expect(operatorRoutes.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
    for (const [method, url] of ROUTES)
      expect(t.app.hasRoute({ method, url }), `${method} ${url}`).toBe(true);
  });

  it("admits only an admin signed in with a security key, on every route, and writes nothing otherwise", async () => {
    await signedUp(t, "joe", "10.9.0.1");
    const passwordAdmin = await signedUp(t, "padmin", "10.9.0.2");
    await t.deps.db.updateTable("users").set({ is_admin: 1 }).where("username", "=", "padmin").execute();
    const actors = {
      anonymous: new FormClient(t.app, "10.9.0.3"),
      user: new FormClient(t.app, "10.9.0.1"),
      passwordAdmin,
      totpAdminWithKey: await totpAdmin(t, "tadmin", "10.9.0.4", { withKey: true }),
      keyAdmin: (await signedInAdmin(t, "root", "10.9.0.5")).web,
    };
    // joe's browser signed up in another client; sign it in here through the form like a person.
    await actors.user.get("/account/login");
    await actors.user.post("/account/login", { username: "joe", password: "correct horse battery" });

    const send = async (who: FormClient, method: string, path: string): Promise<LightMyRequestResponse> => {
      const url = sample(path);
      if (!path.startsWith("/api/")) {
        if (method === "GET") return who.get(url);
        await who.get("/account/");
        return who.post(url, {});
      }
      const cookie = [...who.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      const withBody = method === "POST" || method === "PUT";
      return t.app.inject({
        method: method as "GET",
        url,
        headers: { cookie, ...(withBody ? { "content-type": "application/json" } : {}) },
        ...(withBody ? { payload: {} } : {}),
        remoteAddress: who.ip,
      });
    };

    const apiCode = (res: LightMyRequestResponse) =>
      res.headers["content-type"]?.toString().includes("json") ? res.json().error?.code : undefined;
    const expected: Record<
      keyof typeof actors,
      { console: (r: LightMyRequestResponse) => void; api: string }
    > = {
      anonymous: {
        console: (r) => {
          expect(r.statusCode).toBe(303);
          expect(String(r.headers.location)).toMatch(/^\/account\/login\?next=/);
        },
        api: "401 SIGN_IN_REQUIRED",
      },
      user: {
        console: (r) => {
          expect(r.statusCode).toBe(404);
          expect(r.body).toContain(CONSOLE_REFUSALS[0]);
        },
        api: "403 ADMIN_ONLY",
      },
      passwordAdmin: {
        console: (r) => {
          expect(r.statusCode).toBe(403);
          expect(r.body).toContain(CONSOLE_REFUSALS[1]);
        },
        api: "403 SECURITY_KEY_REQUIRED",
      },
      totpAdminWithKey: {
        console: (r) => {
          expect(r.statusCode).toBe(403);
          expect(r.body).toContain(CONSOLE_REFUSALS[2]);
        },
        api: "403 SECURITY_KEY_SESSION_REQUIRED",
      },
      keyAdmin: { console: () => {}, api: "" },
    };

    for (const [method, path, surface] of ROUTES) {
      for (const [name, who] of Object.entries(actors) as [keyof typeof actors, FormClient][]) {
        const res = await send(who, method, path);
        const label = `${name} ${method} ${path} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
        if (surface === "signed") {
          expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
          expect(res.statusCode, label).toBeLessThan(500);
          continue;
        }
        if (surface === "user") {
          if (name === "anonymous")
            expect(`${res.statusCode} ${apiCode(res)}`, label).toBe("401 SIGN_IN_REQUIRED");
          else expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
          continue;
        }
        if (surface === "public" || name === "keyAdmin") {
          // Past the guard: whatever the route itself answers, it is not a refusal of who is asking.
          expect([401, 403], label).not.toContain(res.statusCode);
          expect(String(res.headers.location ?? ""), label).not.toMatch(/^\/account\/login/);
          for (const text of CONSOLE_REFUSALS) expect(res.body, label).not.toContain(text);
          continue;
        }
        if (surface === "console") expected[name].console(res);
        else expect(`${res.statusCode} ${apiCode(res)}`, label).toBe(expected[name].api);
      }
    }
    // Nothing of the above was a complete, reasoned operator action: nothing may have changed.
    expect(await auditRows(t)).toEqual([]);
    expect(await t.deps.db.selectFrom("mandates").select("id").execute()).toEqual([]);
    expect(await t.deps.db.selectFrom("malware_reports").select("id").execute()).toEqual([]);
  });

  it("writes a reasoned audit row, in the same transaction, for every mandate change through the API", async () => {
    const root = (await signedInAdmin(t, "root", "10.9.1.1")).web;
    const cookie = [...root.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const call = (method: "POST" | "PUT" | "DELETE", url: string, payload?: object) =>
      t.app.inject({
        method,
        url,
        headers: { cookie, ...(payload ? { "content-type": "application/json" } : {}) },
        ...(payload ? { payload } : {}),
        remoteAddress: "10.9.1.1",
      });
    const spec = {
      name: "Everyone",
      cohort: "all-users",
      strength: "phishing-resistant",
      noticeAt: "2027-01-01",
      warnAt: "2027-02-01",
      enforceAt: "2027-03-01",
    };
    const noReason = await call("POST", "/api/policy/mandates", spec);
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.code).toBe("REASON_REQUIRED");
    const invalid = await call("POST", "/api/policy/mandates", {
      ...spec,
      warnAt: "2026-01-01",
      reason: "OPS-1",
    });
    expect(invalid.statusCode).toBe(400);
    expect(await auditRows(t)).toEqual([]);
    expect(await t.deps.db.selectFrom("mandates").select("id").execute()).toEqual([]);

    const created = await call("POST", "/api/policy/mandates", { ...spec, reason: "Plan OPS-1" });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const moved = await call("PUT", `/api/policy/mandates/${id}`, {
      ...spec,
      enforceAt: "2027-04-01",
      reason: "OPS-2",
    });
    expect(moved.statusCode).toBe(200);
    expect((await call("DELETE", `/api/policy/mandates/${id}`)).statusCode).toBe(400);
    expect(
      (await call("DELETE", `/api/policy/mandates/${id}`, { reason: "Done with OPS-3" })).statusCode,
    ).toBe(204);
    expect((await call("DELETE", `/api/policy/mandates/${id}`, { reason: "again" })).statusCode).toBe(404);
    const rows = await auditRows(t);
    expect(rows.map((r) => [r.action, r.actor_name, r.target, r.reason, r.ip])).toEqual([
      ["mandate.create", "root", "Everyone", "Plan OPS-1", "10.9.1.1"],
      ["mandate.update", "root", "Everyone", "OPS-2", "10.9.1.1"],
      ["mandate.archive", "root", "Everyone", "Done with OPS-3", "10.9.1.1"],
    ]);
    expect(rows[1]!.data).toMatchObject({ via: "api", after: { enforceAt: Date.parse("2027-04-01") } });
  });
});
