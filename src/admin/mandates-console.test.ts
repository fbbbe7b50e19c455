import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordEvent } from "../events/index.js";
import { DAY } from "../lib/clock.js";
import { activeMandates, getMandate } from "../mandates/index.js";
import {
  createTestApp,
  type FormClient,
  type TestApp,
  testDatabases,
  textOf,
} from "../test-support/index.js";
import { quickProject, quickUser } from "../test-support/stats.js";
import { auditRows, signedInAdmin } from "./test-helpers.js";

const NOW = Date.UTC(2026, 10, 20, 12);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe.each(testDatabases())("mandates in the console (%s)", (kind) => {
  let t: TestApp;
  let web: FormClient;
  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
    ({ web } = await signedInAdmin(t));
    // Three maintainers of a critical project: one with an app, one with a key, one with nothing.
    const ids = [
      await quickUser(t.deps.db, NOW, { username: "app", mfa: "totp" }),
      await quickUser(t.deps.db, NOW, { username: "key", mfa: "key" }),
      await quickUser(t.deps.db, NOW, { username: "none", verified: false }),
    ];
    const p = await quickProject(t.deps.db, NOW, "pypi", "requests", ids);
    await t.deps.db.updateTable("projects").set({ critical_since: NOW }).where("id", "=", p).execute();
    await quickProject(t.deps.db, NOW, "npm", "leftpad", ids.slice(0, 1));
  });
  afterEach(() => t.close());

  const form = (over: Record<string, string> = {}) => ({
    name: "Critical projects: keys",
    ecosystem: "pypi",
    cohort: "critical",
    threshold: "",
    window: "180",
    projects: "",
    strength: "phishing-resistant",
    notice: iso(NOW + 7 * DAY),
    warn: iso(NOW + 30 * DAY),
    enforce: iso(NOW + 90 * DAY),
    reason: "",
    ...over,
  });
  const stat = (html: string, id: string) =>
    new RegExp(`data-stat="${id}">[^<]*<b>([^<]*)</b>`).exec(html)?.[1];
  const digest = (html: string) => /name="previewed" value="([^"]+)"/.exec(html)?.[1];

  it("previews a new mandate's reach before offering to save it, and saves it with a reason, audited", async () => {
    const page = await web.get("/admin/mandates/new");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('value="preview"');
    expect(page.body).not.toContain('value="save"');

    const preview = await web.post("/admin/mandates", { ...form(), intent: "preview" });
    expect(preview.statusCode).toBe(200);
    expect(stat(preview.body, "users")).toBe("3");
    expect(stat(preview.body, "projects")).toBe("1");
    expect(stat(preview.body, "compliant")).toBe("1");
    expect(stat(preview.body, "non-compliant")).toBe("2");
    expect(preview.body).toContain("1 with a verified email");
    expect(preview.body).toMatch(/data-phase="enforce"><td>enforce /);
    // The critical cohort also shows the ranking rule's simulation (simulate.ts) for the ecosystem.
    expect(preview.body).toContain('data-table="criticality-simulation"');
    expect(preview.body).toContain('data-ecosystem="pypi"');
    expect(preview.body).toContain('value="save"');
    expect(await activeMandates(t.deps.db)).toEqual([]);

    const noReason = await web.post("/admin/mandates", {
      ...form(),
      intent: "save",
      previewed: digest(preview.body)!,
    });
    expect(noReason.statusCode).toBe(400);
    expect(textOf(noReason.body, "reason-error")).toContain("Give a reason");

    const saved = await web.post("/admin/mandates", {
      ...form({ reason: "Rollout step 1" }),
      intent: "save",
      previewed: digest(preview.body)!,
    });
    expect(saved.statusCode).toBe(303);
    const [m] = await activeMandates(t.deps.db);
    expect(m).toMatchObject({
      name: "Critical projects: keys",
      ecosystem: "pypi",
      cohort: "critical",
      createdBy: "root",
    });
    expect(m!.noticeAt).toBe(Date.UTC(2026, 10, 27));
    const audit = (await auditRows(t)).filter((r) => r.action === "mandate.create");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_name: "root",
      target: "Critical projects: keys",
      reason: "Rollout step 1",
    });
    expect(audit[0]!.data).toMatchObject({ id: m!.id, strength: "phishing-resistant", cohort: "critical" });

    const list = await web.get("/admin/mandates");
    expect(list.body).toContain(`data-mandate="${m!.id}"`);
    expect(list.body).toMatch(/data-phase="scheduled"/);
    expect(list.body).toContain("2026-11-27 · 2026-12-20 · 2027-02-18");
  });

  it("shows each validation error beside its field, and saves nothing", async () => {
    const res = await web.post("/admin/mandates", {
      ...form({ name: "", cohort: "threshold", threshold: "-3", warn: "2026-11-01", enforce: "soon" }),
      intent: "save",
    });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "name-error")).toContain("name");
    expect(textOf(res.body, "threshold-error")).toContain("whole number");
    expect(textOf(res.body, "warn-error")).toContain("on or after the notice date");
    expect(textOf(res.body, "enforce-error")).toContain("date such as");
    expect(res.body).not.toContain('value="save"');
    const projects = await web.post("/admin/mandates", {
      ...form({ cohort: "projects" }),
      intent: "preview",
    });
    expect(textOf(projects.body, "projects-error")).toContain("at least one project");
    expect(await activeMandates(t.deps.db)).toEqual([]);
    expect(await auditRows(t)).toEqual([]);
  });

  it("previews again instead of saving when the values changed since the preview", async () => {
    const preview = await web.post("/admin/mandates", { ...form(), intent: "preview" });
    const changed = await web.post("/admin/mandates", {
      ...form({ ecosystem: "", cohort: "all-projects", strength: "any", reason: "Everyone" }),
      intent: "save",
      previewed: digest(preview.body)!,
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toContain("The values changed since the last preview");
    // Every maintainer of either ecosystem; two of three have some second factor.
    expect(stat(changed.body, "users")).toBe("3");
    expect(stat(changed.body, "projects")).toBe("2");
    expect(stat(changed.body, "compliant")).toBe("2");
    expect(changed.body).not.toContain('data-table="criticality-simulation"');
    expect(await activeMandates(t.deps.db)).toEqual([]);
  });

  it("edits a mandate through preview and save, auditing before and after, then archives it", async () => {
    const preview = await web.post("/admin/mandates", { ...form(), intent: "preview" });
    await web.post("/admin/mandates", {
      ...form({ reason: "Step 1" }),
      intent: "save",
      previewed: digest(preview.body)!,
    });
    const [m] = await activeMandates(t.deps.db);

    const edit = await web.get(`/admin/mandates/${m!.id}/edit`);
    expect(edit.statusCode).toBe(200);
    expect(edit.body).toContain('value="Critical projects: keys"');
    expect(edit.body).toContain(`value="${iso(NOW + 7 * DAY)}"`);
    expect(edit.body).toMatch(/<option value="phishing-resistant" selected/);

    const values = form({ strength: "any", enforce: iso(NOW + 120 * DAY) });
    const p2 = await web.post(`/admin/mandates/${m!.id}`, { ...values, intent: "preview" });
    expect(stat(p2.body, "compliant")).toBe("2");
    const saved = await web.post(`/admin/mandates/${m!.id}`, {
      ...values,
      reason: "Keys are scarce; any factor first",
      intent: "save",
      previewed: digest(p2.body)!,
    });
    expect(saved.statusCode).toBe(303);
    expect(await getMandate(t.deps.db, m!.id)).toMatchObject({
      strength: "any",
      enforceAt: NOW - (NOW % DAY) + 120 * DAY,
    });
    const update = (await auditRows(t)).find((r) => r.action === "mandate.update")!;
    expect(update.reason).toBe("Keys are scarce; any factor first");
    expect(update.data).toMatchObject({
      id: m!.id,
      before: { strength: "phishing-resistant" },
      after: { strength: "any" },
    });

    await web.get("/admin/mandates");
    const refused = await web.post(`/admin/mandates/${m!.id}/archive`, { reason: "" });
    expect(refused.statusCode).toBe(303);
    expect((await activeMandates(t.deps.db)).length).toBe(1);
    await web.post(`/admin/mandates/${m!.id}/archive`, { reason: "Superseded" });
    expect(await activeMandates(t.deps.db)).toEqual([]);
    expect((await auditRows(t)).map((r) => r.action)).toEqual([
      "mandate.create",
      "mandate.update",
      "mandate.archive",
    ]);
    expect((await web.get(`/admin/mandates/${m!.id}/edit`)).statusCode).toBe(404);
  });

  it("keeps times of day set elsewhere (CLI, API) when editing, and refuses forged posts", async () => {
    const preview = await web.post("/admin/mandates", {
      ...form({ notice: "2026-12-01T09:30:00Z" }),
      intent: "preview",
    });
    expect(preview.body).toContain('value="2026-12-01T09:30:00Z"');
    const forged = await t.app.inject({
      method: "POST",
      url: "/admin/mandates",
      payload: new URLSearchParams({ ...form(), intent: "preview" }).toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      },
    });
    expect(forged.statusCode).toBe(403);
  });
  it("previews the releases a staging requirement would have held, per ecosystem, from the upload events", async () => {
    const requests = await t.deps.db
      .selectFrom("projects")
      .select("id")
      .where("normalized_name", "=", "requests")
      .executeTakeFirstOrThrow();
    // What writeFilesInTx records (the real publishes are replayed in mandates/staging-replay.test.ts).
    const upload = (at: number, data: Record<string, unknown>) =>
      recordEvent(
        t.deps.db,
        at,
        {},
        {
          type: "file.uploaded",
          projectId: requests.id,
          userId: null,
          data: { project: "requests", ...data },
        },
      );
    await upload(NOW - 5 * DAY, { version: "2.0", filename: "a.whl", tokenId: "t1" });
    await upload(NOW - 5 * DAY, { version: "2.0", filename: "a.tar.gz", tokenId: "t1" });
    await upload(NOW - 6 * DAY, {
      version: "2.1",
      filename: "b.whl",
      tokenId: "t2",
      via: "trusted publisher github:psf/requests release.yml",
    });
    await upload(NOW - 200 * DAY, { version: "1.0", filename: "c.whl", tokenId: "t1" });
    const plain = await web.post("/admin/mandates", { ...form(), intent: "preview" });
    expect(plain.body).not.toContain('data-table="staging-simulation"');
    const staged = await web.post("/admin/mandates", { ...form({ staging: "any" }), intent: "preview" });
    expect(staged.statusCode).toBe(200);
    expect(staged.body).toContain('data-table="staging-simulation"');
    expect(staged.body).toMatch(/data-staging-total="true"><b>2<\/b> releases of the last 90 days/);
    expect(staged.body).toMatch(
      /data-ecosystem="pypi"><td>pypi<\/td><td data-would-stage="true">2 of 2<\/td><td>1<\/td><td>1<\/td><td>0<\/td><td>1<\/td>/,
    );
  });

  it("offers RubyGems in the form: a gem mandate covers gem maintainers only, one over every ecosystem covers all three", async () => {
    const gemOwner = await quickUser(t.deps.db, NOW, { username: "gemmer" });
    const rails = await quickProject(t.deps.db, NOW, "rubygems", "rails", [gemOwner]);
    await t.deps.db.updateTable("projects").set({ critical_since: NOW }).where("id", "=", rails).execute();
    const page = await web.get("/admin/mandates/new");
    expect(page.body).toMatch(/<option value="rubygems"[^>]*>RubyGems<\/option>/);

    const gems = await web.post("/admin/mandates", { ...form({ ecosystem: "rubygems" }), intent: "preview" });
    expect(gems.statusCode).toBe(200);
    expect(stat(gems.body, "users")).toBe("1");
    expect(stat(gems.body, "projects")).toBe("1");
    expect(gems.body).toContain('data-ecosystem="rubygems"');
    const saved = await web.post("/admin/mandates", {
      ...form({ ecosystem: "rubygems", reason: "Gems first" }),
      intent: "save",
      previewed: digest(gems.body)!,
    });
    expect(saved.statusCode).toBe(303);
    expect((await activeMandates(t.deps.db))[0]).toMatchObject({ ecosystem: "rubygems", cohort: "critical" });

    // Every ecosystem: requests' three maintainers and rails' one, two critical projects.
    const all = await web.post("/admin/mandates", { ...form({ ecosystem: "" }), intent: "preview" });
    expect(stat(all.body, "users")).toBe("4");
    expect(stat(all.body, "projects")).toBe("2");

    const bad = await web.post("/admin/mandates", { ...form({ ecosystem: "cargo" }), intent: "preview" });
    expect(bad.statusCode).toBe(400);
    expect(textOf(bad.body, "ecosystem-error")).toBe(
      "Choose one of pypi, npm, rubygems, or every ecosystem.",
    );
  });
});
