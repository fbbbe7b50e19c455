import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildWheel } from "../../packages/archives/test-fixtures.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../../test-support/index.js";

const V1_JSON = "application/vnd.pypi.simple.v1+json";
const V1_HTML = "application/vnd.pypi.simple.v1+html";

describe.each(testDatabases())("the simple index's formats (PEP 691, 714) on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-simple-"));
    const { token } = await maintainer(t, "alice");
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "1.0.0" });
    const form = await twineForm(wheel, { name: "demo-pkg", version: "1.0.0" });
    const res = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
    expect(res.statusCode).toBe(200);
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const page = (accept?: string, url = "/simple/demo-pkg/") =>
    t.app.inject({ url, headers: accept === undefined ? {} : { accept } });

  it("sends only core-metadata in JSON, never the dist-info-metadata key that crashes pip 22.3–23.1", async () => {
    const res = await page(V1_JSON);
    const [file] = res.json().files;
    expect(file["core-metadata"].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(file).not.toHaveProperty("dist-info-metadata");
    expect(res.body).not.toContain("dist-info-metadata");
  });

  it("keeps both metadata attributes in HTML, for pips that know only the PEP 658 name", async () => {
    const res = await page(V1_HTML);
    const sha = /data-core-metadata="sha256=([0-9a-f]{64})"/.exec(res.body)?.[1];
    expect(sha).toBeDefined();
    expect(res.body).toContain(`data-dist-info-metadata="sha256=${sha}"`);
  });

  it.each([
    ["application/vnd.pypi.simple.latest+json", V1_JSON],
    [`${V1_JSON}`, V1_JSON],
    ["application/vnd.pypi.simple.latest+html", V1_HTML],
    [V1_HTML, V1_HTML],
    ["text/html", "text/html; charset=utf-8"],
    [undefined, "text/html; charset=utf-8"],
    // Preference follows q-values, whatever the order.
    ["application/vnd.pypi.simple.latest+html;q=0.2, application/vnd.pypi.simple.latest+json", V1_JSON],
    ["application/vnd.pypi.simple.latest+json;q=0.1, text/html", "text/html; charset=utf-8"],
  ])("answers Accept %s with %s, naming the served version and varying on Accept", async (accept, type) => {
    for (const url of ["/simple/demo-pkg/", "/simple/"]) {
      const res = await page(accept, url);
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe(type);
      expect(String(res.headers.vary)).toMatch(/(^|, )Accept(,|$)/);
      if (type === V1_JSON) expect(res.json().meta["api-version"]).toBe("1.1");
      else expect(res.body).toContain('<meta name="pypi:repository-version" content="1.1">');
    }
  });

  it("takes the latest format names in ?format= too", async () => {
    const res = await page(undefined, "/simple/demo-pkg/?format=application/vnd.pypi.simple.latest%2Bjson");
    expect(res.headers["content-type"]).toBe(V1_JSON);
  });
});
