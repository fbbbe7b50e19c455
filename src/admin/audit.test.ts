import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAY } from "../lib/clock.js";
import { createTestApp, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { listAudit, recordAudit } from "./audit.js";
import { account, auditRows, signedInAdmin } from "./test-helpers.js";

describe.each(testDatabases())("console: email domains and the audit log on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  const entries = (body: string) => [...body.matchAll(/data-audit="([^"]+)"/g)].map((m) => m[1]);
  const olderLink = (body: string) => /<a href="([^"]+)" rel="next"/.exec(body)?.[1]?.replace(/&amp;/g, "&");

  it("marks a domain abandoned with the accounts it affects, and restores it; both audited", async () => {
    const { web } = await signedInAdmin(t);
    await account(t, "ann", "ann@lapsed.example");
    await account(t, "ben", "ben@mail.lapsed.example");
    await account(t, "cat", "cat@notlapsed.example");
    const preview = await web.get("/admin/domains?domain=Lapsed.Example.");
    expect(textOf(preview.body, "preview")).toBe(
      "2 accounts use an address at lapsed.example or its subdomains.",
    );
    expect(preview.body).toContain('value="Lapsed.Example."');

    const res = await web.post("/admin/domains", {
      domain: "@LAPSED.example",
      reason: "registration expired",
    });
    expect(res.statusCode).toBe(303);
    const list = await web.get("/admin/domains");
    expect(list.body).toContain(
      "lapsed.example is marked abandoned: 2 accounts can no longer be recovered through it.",
    );
    expect(list.body).toMatch(/data-domain="lapsed.example"><td>lapsed.example<\/td><td>2<\/td>/);
    expect((await web.get("/admin/users/ben")).body).toContain("is marked abandoned");

    const twice = await web.post("/admin/domains", {
      domain: "lapsed.example",
      reason: "registration expired",
    });
    expect(twice.statusCode).toBe(409);
    expect(textOf(twice.body, "mark-domain-error")).toBe("This domain is already marked abandoned.");
    const invalid = await web.post("/admin/domains", {
      domain: "not a domain",
      reason: "registration expired",
    });
    expect(invalid.statusCode).toBe(400);
    expect(textOf(invalid.body, "mark-domain-error")).toContain("example.com");

    expect(
      (await web.post("/admin/domains/restore", { domain: "lapsed.example", reason: "renewed" })).statusCode,
    ).toBe(303);
    expect((await web.get("/admin/domains")).body).toContain("No domain is marked abandoned.");
    const again = await web.post("/admin/domains/restore", { domain: "lapsed.example", reason: "renewed" });
    expect(again.statusCode).toBe(404);
    expect(again.body).toContain("This domain is not marked abandoned.");
    expect((await auditRows(t)).map((r) => [r.action, r.target_type, r.target, r.reason, r.data])).toEqual([
      ["domain.abandon", "domain", "lapsed.example", "registration expired", { accounts: 2 }],
      ["domain.restore", "domain", "lapsed.example", "renewed", {}],
    ]);
  });

  it("shows the log newest first and filters it by admin, action, target and UTC days", async () => {
    const root = await signedInAdmin(t);
    await account(t, "bob");
    await account(t, "bobby");
    const day1 = t.clock.now();
    await root.web.get("/admin/users/bob");
    await root.web.post("/admin/users/bob/freeze", { reason: "first freeze" });
    // Two days on, root's session has idled out: another admin signs in and carries on.
    t.clock.advance(2 * DAY);
    const other = await signedInAdmin(t, "other", "10.77.0.2");
    await other.web.get("/admin/users/bobby");
    await other.web.post("/admin/users/bobby/freeze", { reason: "second freeze" });
    await other.web.post("/admin/users/bob/unfreeze", { reason: "appeal" });

    const all = await other.web.get("/admin/audit");
    expect(all.statusCode).toBe(200);
    expect(entries(all.body)).toEqual(["user.unfreeze", "user.freeze", "user.freeze"]);
    expect(all.body).toContain('<a href="/admin/users/bobby">bobby</a>');
    expect(all.body).toContain("first freeze");
    expect(all.body).toContain('<option value="user.freeze">');

    const by = async (qs: string) => entries((await other.web.get(`/admin/audit?${qs}`)).body);
    expect(await by("actor=root")).toEqual(["user.freeze"]);
    expect(await by("action=user.freeze")).toEqual(["user.freeze", "user.freeze"]);
    expect(await by("target=bobb")).toEqual(["user.freeze"]);
    expect(await by("target=bob&action=user.freeze")).toEqual(["user.freeze", "user.freeze"]);
    const d1 = new Date(day1).toISOString().slice(0, 10);
    const d3 = new Date(day1 + 2 * DAY).toISOString().slice(0, 10);
    expect(await by(`from=${d1}&to=${d1}`)).toEqual(["user.freeze"]);
    expect(await by(`from=${d3}`)).toEqual(["user.unfreeze", "user.freeze"]);

    const bad = await other.web.get("/admin/audit?from=2026-02-30&to=yesterday");
    expect(bad.statusCode).toBe(400);
    expect(textOf(bad.body, "filter-errors")).toContain("Enter a date as YYYY-MM-DD.");
    expect(entries(bad.body)).toHaveLength(3);
  });

  it("matches admin, action and reason as substrings, and shows changes as old → new, not raw JSON", async () => {
    const { id } = await signedInAdmin(t);
    const actor = { id, name: "root", ip: "10.77.0.1" };
    const write = (action: string, target: string, reason: string, data: Record<string, unknown>) =>
      recordAudit(t.deps.db, t.clock.now(), actor, { action, targetType: "mandate", target, reason, data });
    await write("mandate.update", "critical first", "Moved enforcement by a week", {
      id: "m1",
      before: { name: "critical first", strength: "any", enforceAt: Date.UTC(2027, 0, 1) },
      after: { name: "critical first", strength: "phishing-resistant", enforceAt: Date.UTC(2027, 0, 8) },
    });
    await write("project.upload_limit", "pypi/demo", "Large wheels", {
      fromBytes: 100_000_000,
      toBytes: 250_000_000,
    });
    await write("user.unfreeze", "bob", "Appeal accepted", {});
    const web = (await signedInAdmin(t, "other", "10.77.0.2")).web;
    const by = async (qs: string) => entries((await web.get(`/admin/audit?${qs}`)).body);
    expect(await by("action=mandate.")).toEqual(["mandate.update"]);
    expect(await by("action=FREEZE")).toEqual(["user.unfreeze"]);
    expect(await by("actor=oo")).toEqual(["user.unfreeze", "project.upload_limit", "mandate.update"]);
    expect(await by("reason=appeal")).toEqual(["user.unfreeze"]);
    expect(await by("reason=wheels&action=upload")).toEqual(["project.upload_limit"]);

    const page = (await web.get("/admin/audit?target=critical")).body;
    expect(page).not.toContain("{&quot;");
    expect(page).not.toMatch(/\b1798\d{9}\b/); // no epoch milliseconds
    expect(page).toContain("<dt>Strength</dt><dd><del>any</del>");
    expect(page).toContain("<ins>phishing-resistant</ins>");
    expect(page).toContain(
      '<del><time datetime="2027-01-01T00:00:00.000Z">2027-01-01 00:00 UTC</time></del>',
    );
    // Unchanged fields are left out of the diff; the internal id is not shown.
    expect(page).not.toContain("<dt>Name</dt>");
    expect(page).not.toContain("<dt>Id</dt>");
    const limit = (await web.get("/admin/audit?action=upload")).body;
    expect(limit).toContain("<dt>Bytes</dt><dd><del>100 MB</del>");
    expect(limit).toContain("<ins>250 MB</ins>");
  });

  it("pages back through older entries with the filters kept", async () => {
    const { web, id } = await signedInAdmin(t);
    const actor = { id, name: "root", ip: "10.0.0.9" };
    for (let i = 0; i < 120; i++) {
      t.clock.advance(1000);
      await recordAudit(t.deps.db, t.clock.now(), actor, {
        action: i % 2 ? "name.prohibit" : "name.allow",
        targetType: "name",
        target: `pypi/name-${String(i).padStart(3, "0")}`,
        reason: `entry ${i}`,
      });
    }
    const first = await web.get("/admin/audit");
    expect(entries(first.body)).toHaveLength(50);
    expect(first.body).toContain("pypi/name-119");
    const second = await web.get(olderLink(first.body)!);
    expect(entries(second.body)).toHaveLength(50);
    expect(second.body).toContain("pypi/name-069");
    expect(second.body).not.toContain("pypi/name-070");
    const third = await web.get(olderLink(second.body)!);
    expect(entries(third.body)).toHaveLength(20);
    expect(olderLink(third.body)).toBeUndefined();
    expect(third.body).toContain('href="/admin/audit">Newest entries');

    const filtered = await web.get("/admin/audit?action=name.prohibit");
    expect(entries(filtered.body)).toHaveLength(50);
    const next = olderLink(filtered.body)!;
    expect(next).toMatch(/^\/admin\/audit\?action=name.prohibit&before=[0-9a-f]+$/);
    const rest = await web.get(next);
    expect(entries(rest.body)).toEqual(Array(10).fill("name.prohibit"));
  });

  it("filters by target literally: '_' and '%' are not wildcards", async () => {
    const actor = { id: "a1", name: "root", ip: "127.0.0.1" };
    for (const target of ["old_timer", "oldXtimer", "100%-sure"])
      await recordAudit(t.deps.db, t.clock.now(), actor, {
        action: "user.freeze",
        targetType: "user",
        target,
        reason: "test",
      });
    expect((await listAudit(t.deps.db, { target: "old_t" })).map((e) => e.target)).toEqual(["old_timer"]);
    expect((await listAudit(t.deps.db, { target: "0%" })).map((e) => e.target)).toEqual(["100%-sure"]);
  });
});
