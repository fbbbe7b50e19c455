import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-support/index.js";
import { surfaceOf } from "./surfaces.js";

describe("surfaces", () => {
  it("decides the dialect and page-ness by whole first path segment", () => {
    const of = (url: string) => {
      const s = surfaceOf(url);
      return `${s.dialect}${s.page ? "+page" : ""}`;
    };
    expect(
      [
        "/legacy/",
        "/legacy",
        "/simple/x/",
        "/pypi/x/json",
        "/npm/x",
        "/npm",
        "/npm?write=true",
        "/api/v1/x",
      ].map(of),
    ).toEqual(["twine", "twine", "json", "json", "npm", "npm", "npm", "json"]);
    expect(["/files/a.whl", "/static/wharf.css", "/healthz", "/metrics"].map(of)).toEqual([
      "html",
      "html",
      "html",
      "html",
    ]);
    // A page whose name only starts like a protocol prefix is still a page.
    expect(["/", "/admin/users", "/project/x/", "/npmjs", "/apis", "/legacy-help"].map(of)).toEqual(
      Array(6).fill("html+page"),
    );
  });

  describe("error handler", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it("answers npm's bare /npm URL in npm's dialect (body.error), not with an HTML page", async () => {
      const res = await t.app.inject({ url: "/npm" });
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toMatch(/Nothing lives at \/npm/);
    });
  });
});
