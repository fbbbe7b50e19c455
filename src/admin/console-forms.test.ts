import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createTestApp,
  type FormClient,
  type TestApp,
  testDatabases,
  textOf,
} from "../test-support/index.js";
import { quickProject } from "../test-support/stats.js";
import { adminErrors } from "./errors.js";
import { signedInAdmin } from "./test-helpers.js";

const REASON = adminErrors.REASON_REQUIRED().message;
/** The ids of the fields a page marks invalid, in page order. */
const invalid = (html: string) =>
  [...html.matchAll(/<(?:input|select|textarea)[^>]*\bid="([^"]+)"[^>]*aria-invalid="true"/g)].map(
    (m) => m[1],
  );

/** Console forms with several fields say everything wrong with them in one answer, and change nothing. */
describe.each(testDatabases())("console forms report every error at once (%s)", (kind) => {
  let t: TestApp;
  let web: FormClient;
  beforeEach(async () => {
    t = await createTestApp(kind);
    ({ web } = await signedInAdmin(t));
  });
  afterEach(() => t.close());

  const audited = async () => (await t.deps.db.selectFrom("admin_audit").select("id").execute()).length;

  it("prohibit a name: a name pypi cannot have and a missing reason", async () => {
    await web.get("/admin/projects/prohibited");
    const before = await audited();
    const res = await web.post("/admin/projects/prohibited", { ecosystem: "pypi", name: "-no-", reason: "" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "prohibit-name-error")).toBeTruthy();
    expect(textOf(res.body, "prohibit-reason-error")).toBe(REASON);
    expect(invalid(res.body)).toEqual(expect.arrayContaining(["prohibit-name", "prohibit-reason"]));
    expect(res.body).toContain('value="-no-"');
    expect(await audited()).toBe(before);
  });

  it("mark a domain abandoned: a malformed domain and a missing reason", async () => {
    await web.get("/admin/domains");
    const res = await web.post("/admin/domains", { domain: "not a domain", reason: "x" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "mark-domain-error")).toBeTruthy();
    expect(textOf(res.body, "mark-reason-error")).toBe(REASON);
  });

  it("designate a critical project: no name and no reason", async () => {
    await web.get("/admin/critical");
    const res = await web.post("/admin/critical/designate", { ecosystem: "pypi", name: " ", reason: "" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "name-error")).toBe(adminErrors.NAME_REQUIRED().message);
    expect(textOf(res.body, "reason-error")).toBe(REASON);
  });

  it("load giveaway codes: no batch, no codes and no reason", async () => {
    await web.get("/admin/giveaway");
    const res = await web.post("/admin/giveaway", { batch: "", codes: " ", reason: "" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "batch-error")).toBe(adminErrors.BATCH_REQUIRED().message);
    expect(textOf(res.body, "codes-error")).toBe(adminErrors.CODES_REQUIRED().message);
    expect(textOf(res.body, "reason-error")).toBe(REASON);
  });

  it("a project's upload limit: a limit that is not a number and a missing reason", async () => {
    await quickProject(t.deps.db, t.clock.now(), "pypi", "demo", []);
    await web.get("/admin/projects/pypi/demo");
    const res = await web.post("/admin/projects/pypi/demo/upload-limit", { limit_mb: "lots", reason: "" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "limit_mb-error")).toBeTruthy();
    expect(textOf(res.body, "upload-limit-reason-error")).toBe(REASON);
  });

  it("save a mandate: the draft's errors and the missing reason together", async () => {
    await web.get("/admin/mandates/new");
    const res = await web.post("/admin/mandates", {
      name: "",
      ecosystem: "pypi",
      cohort: "critical",
      threshold: "",
      window: "0",
      projects: "",
      strength: "any",
      notice: "soon",
      warn: "2027-01-01",
      enforce: "2027-02-01",
      reason: "",
      intent: "save",
      previewed: "",
    });
    expect(res.statusCode).toBe(400);
    for (const id of ["name-error", "window-error", "notice-error"])
      expect(textOf(res.body, id)).toBeTruthy();
    expect(textOf(res.body, "reason-error")).toBe(REASON);
    expect(await t.deps.db.selectFrom("mandates").select("id").execute()).toHaveLength(0);
  });
});
