import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerUser } from "../accounts/index.js";
import { quarantineProject } from "../admin/index.js";
import { signedUp } from "../mfa/test-helpers.js";
import { insertProject } from "../packages/index.js";
import {
  createTestApp,
  type FormClient,
  maintainer,
  type TestApp,
  testDatabases,
  tokenFor,
} from "../test-support/index.js";

// Issue 18 item 3, threats: a flood of reports from one account buries the operators' queue; throwaway
// unverified accounts report; reports on hidden or missing projects confuse; reporters read others' reports.

const operator = { id: "admin-1", name: "root", ip: "127.0.0.1" };
const report = { reason: "malware", description: "setup.py posts ~/.aws/credentials to a remote host" };

describe.each(testDatabases())("malware reports on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
    for (const name of ["demo-a", "demo-b", "demo-c", "demo-d", "demo-e", "demo-f", "demo-g"])
      await insertProject(t.deps.db, t.clock.now(), {
        ecosystem: "pypi",
        name,
        normalizedName: name,
        ultranormalizedName: name.replace("-", ""),
      });
  });
  afterEach(() => t.close());

  const post = (name: string, payload: object, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: "POST",
      url: `/api/projects/pypi/${name}/reports`,
      headers: { "content-type": "application/json", ...headers },
      payload,
    });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const cookieOf = (web: FormClient) => ({
    cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
  });

  it("files a report with a token: 201 with its id, stored once, and a second one by the same reporter is 409", async () => {
    const { token, user } = await maintainer(t, "bob");
    const res = await post("Demo_A", report, bearer(token));
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    expect(res.json()).toMatchObject({ ecosystem: "pypi", name: "demo-a" });
    const again = await post(
      "demo-a",
      { ...report, description: "and it also mines coins on install" },
      bearer(token),
    );
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: "ALREADY_REPORTED",
      message: "You already reported this project; the operators have not reviewed it yet.",
    });
    const rows = await t.deps.db
      .selectFrom("malware_reports")
      .select(["id", "reporter_id", "category"])
      .execute();
    expect(rows).toEqual([{ id, reporter_id: user.id, category: "malware" }]);
  });

  it("keeps one open report per reporter per project when two requests race", async () => {
    const { token } = await maintainer(t, "bob");
    const answers = await Promise.all([
      post("demo-a", report, bearer(token)),
      post("demo-a", report, bearer(token)),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409]);
    expect(await t.deps.db.selectFrom("malware_reports").select("id").execute()).toHaveLength(1);
  });

  it("limits a flood from one account: 5 an hour, then 429 with Retry-After, nothing stored past the limit", async () => {
    const { token } = await maintainer(t, "flooder");
    for (const name of ["demo-a", "demo-b", "demo-c", "demo-d", "demo-e"])
      expect((await post(name, report, bearer(token))).statusCode, name).toBe(201);
    const sixth = await post("demo-f", report, bearer(token));
    expect(sixth.statusCode).toBe(429);
    expect(Number(sixth.headers["retry-after"])).toBeGreaterThan(0);
    expect(sixth.json().error.message).toMatch(/^Too many reports from your account\. Try again in /);
    // Another account is not affected by the flooder's budget.
    const { token: other } = await maintainer(t, "carol");
    expect((await post("demo-f", report, bearer(other))).statusCode).toBe(201);
    expect(await t.deps.db.selectFrom("malware_reports").select("id").execute()).toHaveLength(6);
  });

  it("refuses the anonymous (401), unverified accounts by token or session (403), read-only tokens, and a form post", async () => {
    expect((await post("demo-a", report)).json().error.code).toBe("SIGN_IN_REQUIRED");
    const unverified = await registerUser(
      t.deps,
      { ip: "127.0.0.1" },
      { username: "fresh", email: "fresh@example.com", password: "correct horse battery", verified: false },
      { viaOperator: true },
    );
    const res = await post("demo-a", report, bearer(await tokenFor(t, unverified.id, null)));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe("EMAIL_UNVERIFIED");
    const web = await signedUp(t, "newbie", "10.5.0.1");
    const bySession = await post("demo-a", report, cookieOf(web));
    expect(bySession.statusCode).toBe(403);
    expect(bySession.json().error.message).toContain("Verify your email address");

    const { token, tokenId } = await maintainer(t, "reader");
    await t.deps.db.updateTable("api_tokens").set({ readonly: 1 }).where("id", "=", tokenId).execute();
    expect((await post("demo-a", report, bearer(token))).statusCode).toBe(403);
    // A session's report must be JSON: a cross-site HTML form cannot send it.
    const { token: ok } = await maintainer(t, "dave");
    const form = await t.app.inject({
      method: "POST",
      url: "/api/projects/pypi/demo-a/reports",
      headers: { "content-type": "application/x-www-form-urlencoded", ...bearer(ok) },
      payload: "reason=malware&description=xxxxxxxxxxxxxxxx",
    });
    expect(form.statusCode).toBe(415);
    expect(await t.deps.db.selectFrom("malware_reports").select("id").execute()).toEqual([]);
  });

  it("answers a missing project 404, a quarantined one 409 saying so, and a bad body 400 naming the field", async () => {
    const { token } = await maintainer(t, "bob");
    const missing = await post("no-such-project", report, bearer(token));
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe("There is no pypi project named 'no-such-project'.");
    await quarantineProject(t.deps, operator, "pypi", "demo-b", "under review");
    const held = await post("demo-b", report, bearer(token));
    expect(held.statusCode).toBe(409);
    expect(held.json().error.message).toContain("already quarantined");
    const short = await post("demo-a", { reason: "malware", description: "bad" }, bearer(token));
    expect(short.statusCode).toBe(400);
    expect(short.json().error.code).toBe("DESCRIPTION_INVALID");
    const kind = await post("demo-a", { reason: "evil", description: report.description }, bearer(token));
    expect(kind.json().error.code).toBe("CATEGORY_INVALID");
    const long = await post("demo-a", { ...report, description: "x".repeat(2001) }, bearer(token));
    expect(long.json().error.code).toBe("DESCRIPTION_INVALID");
    expect(await t.deps.db.selectFrom("malware_reports").select("id").execute()).toEqual([]);
  });

  it("never shows a report to anyone but operators: no GET, not on the project page, not in the answer", async () => {
    const { token } = await maintainer(t, "bob");
    expect((await post("demo-a", report, bearer(token))).statusCode).toBe(201);
    const { token: carol } = await maintainer(t, "carol");
    const second = await post(
      "demo-a",
      { reason: "spam", description: "a second, different report" },
      bearer(carol),
    );
    expect(second.statusCode).toBe(201);
    expect(second.body).not.toContain("aws");
    const list = await t.app.inject({
      method: "GET",
      url: "/api/projects/pypi/demo-a/reports",
      headers: bearer(carol),
    });
    expect(list.statusCode).toBe(404);
    const page = await t.app.inject({ method: "GET", url: "/project/demo-a/" });
    expect(page.body).not.toContain("aws");
    expect(page.body).not.toContain("a second, different report");
  });
});
