import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel } from "../packages/archives/test-fixtures.js";
import { findProject } from "../packages/index.js";
import { setYanked } from "../packages/release-writes.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../test-support/index.js";
import { get, listening, publishNpm } from "./test-fixtures.js";

describe.each(testDatabases())("replayed answers (%s)", (kind) => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp(kind);
    await publishNpm(t, "demo", ["1.0.0", "1.1.0"]);
    port = await listening(t);
  });
  afterAll(async () => t.close());

  const packumentEtag = async () => {
    const { headers } = await get(port, "/npm/demo");
    return headers[headers.findIndex((h) => h.toLowerCase() === "etag") + 1];
  };

  const cases: Array<[string, string, Record<string, string>]> = [
    ["full packument", "/npm/demo", {}],
    ["full packument, gzip", "/npm/demo", { "accept-encoding": "gzip" }],
    [
      "abbreviated packument, gzip",
      "/npm/demo",
      { accept: "application/vnd.npm.install-v1+json", "accept-encoding": "gzip, deflate, br" },
    ],
    ["one version's manifest", "/npm/demo/1.0.0", {}],
    ["a dist-tag's manifest", "/npm/demo/latest", {}],
    ["tarball", "/npm/demo/-/demo-1.0.0.tgz", {}],
    ["/simple/ root, PEP 691 JSON", "/simple/", { accept: "application/vnd.pypi.simple.v1+json" }],
    ["/simple/ root, HTML", "/simple/", {}],
    ["compact index /names", "/rubygems/names", { "accept-encoding": "gzip" }],
  ];

  it.each(cases)(
    "answers a repeated %s with the same status, headers and body",
    async (_label, path, headers) => {
      const first = await get(port, path, headers);
      expect(first.status).toBe(200);
      const before = t.deps.replay.served;
      const second = await get(port, path, headers);
      expect(t.deps.replay.served).toBe(before + 1);
      expect(second).toEqual(first);
    },
  );

  it("answers a conditional request with the same 304 the route sends", async () => {
    const etag = await packumentEtag();
    const first = await get(port, "/npm/demo", { "if-none-match": etag! });
    expect(first.status).toBe(304);
    const before = t.deps.replay.served;
    const second = await get(port, "/npm/demo", { "if-none-match": etag! });
    expect(t.deps.replay.served).toBe(before + 1);
    expect(second).toEqual(first);
  });

  it("keeps the request id a load balancer sent", async () => {
    await get(port, "/npm/demo/1.1.0");
    const res = await new Promise<string | undefined>((resolve, reject) =>
      request(
        {
          host: "127.0.0.1",
          port,
          path: "/npm/demo/1.1.0",
          headers: { "x-request-id": "lb-42" },
          agent: false,
        },
        (r) => {
          r.resume();
          resolve(r.headers["x-request-id"] as string | undefined);
        },
      )
        .on("error", reject)
        .end(),
    );
    expect(res).toBe("lb-42");
  });

  it("counts a replayed download as a download", async () => {
    await t.deps.downloads.flush();
    const total = async () => {
      await t.deps.downloads.flush();
      const rows = await t.deps.db.selectFrom("download_counts").select("count").execute();
      return rows.reduce((n, r) => n + Number(r.count), 0);
    };
    const start = await total();
    const before = t.deps.replay.served;
    for (let i = 0; i < 3; i++) expect((await get(port, "/npm/demo/-/demo-1.1.0.tgz")).status).toBe(200);
    expect(t.deps.replay.served).toBe(before + 2);
    expect(await total()).toBe(start + 3);
  });

  it("counts a replayed answer in the request metrics under its route", async () => {
    await get(port, "/npm/demo/1.0.0");
    await get(port, "/npm/demo/1.0.0");
    const metrics = await t.app.inject({ url: "/metrics" });
    const line = metrics.body
      .split("\n")
      .find((l) => l.startsWith('wharf_http_requests_total{method="GET",route="/npm/*",status="200"}'));
    expect(Number(line?.split(" ").at(-1))).toBeGreaterThanOrEqual(2);
    const replayed = metrics.body.split("\n").find((l) => l.startsWith("wharf_http_replayed_total "));
    expect(Number(replayed?.split(" ")[1])).toBe(t.deps.replay.served);
    expect(t.deps.replay.served).toBeGreaterThan(0);
  });

  it("does not keep answers the route did not allow (errors, pages)", async () => {
    const before = t.deps.replay.served;
    for (let i = 0; i < 2; i++) {
      expect((await get(port, "/npm/no-such-package")).status).toBe(404);
      expect((await get(port, "/")).status).toBe(200);
    }
    expect(t.deps.replay.served).toBe(before);
  });
});

describe.each(testDatabases())("replayed PyPI answers (%s)", (kind) => {
  let t: TestApp;
  let port: number;
  let dir: string;
  let fileUrl: string;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-replay-"));
    ({ token } = await maintainer(t, "alice"));
    const form = await twineForm(await buildWheel(dir, { name: "replay-pkg", version: "1.0" }), {
      name: "replay-pkg",
      version: "1.0",
    });
    const up = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
    expect(up.statusCode).toBe(200);
    port = await listening(t);
    const index = JSON.parse(
      (
        await get(port, "/simple/replay-pkg/", { accept: "application/vnd.pypi.simple.v1+json" })
      ).body.toString(),
    );
    fileUrl = new URL(index.files[0].url, "http://localhost/simple/replay-pkg/").pathname;
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const JSON_ACCEPT = { accept: "application/vnd.pypi.simple.v1+json" };
  const cases: Array<[string, () => string, Record<string, string>]> = [
    ["/simple/<name>/ JSON", () => "/simple/replay-pkg/", JSON_ACCEPT],
    ["/simple/<name>/ HTML, gzip", () => "/simple/replay-pkg/", { "accept-encoding": "gzip" }],
    ["/pypi/<name>/json", () => "/pypi/replay-pkg/json", {}],
    ["/pypi/<name>/<version>/json", () => "/pypi/replay-pkg/1.0/json", {}],
    ["wheel", () => fileUrl, {}],
    ["wheel .metadata (PEP 658)", () => `${fileUrl}.metadata`, {}],
  ];

  it.each(cases)(
    "answers a repeated %s with the same status, headers and body",
    async (_label, path, headers) => {
      const first = await get(port, path(), headers);
      expect(first.status).toBe(200);
      const before = t.deps.replay.served;
      const second = await get(port, path(), headers);
      expect(t.deps.replay.served).toBe(before + 1);
      expect(second).toEqual(first);
    },
  );

  it("gives pip the same answer whether or not its index URL carries a token (the install side reads none)", async () => {
    const anonymous = await get(port, "/simple/replay-pkg/", JSON_ACCEPT);
    const before = t.deps.replay.served;
    const withToken = await get(port, "/simple/replay-pkg/", {
      ...JSON_ACCEPT,
      authorization: basicAuth("__token__", token),
    });
    expect(t.deps.replay.served).toBe(before + 1);
    expect(withToken).toEqual(anonymous);
  });

  it("stops replaying a yanked release's index the moment it is yanked", async () => {
    const before = JSON.parse((await get(port, "/pypi/replay-pkg/json")).body.toString());
    expect(before.releases["1.0"][0].yanked).toBe(false);
    const project = (await findProject(t.deps.db, "pypi", "replay-pkg"))!;
    const release = await t.deps.db
      .selectFrom("releases")
      .select("id")
      .where("project_id", "=", project.id)
      .executeTakeFirstOrThrow();
    // What the manage page's yank does (packages/manage.ts), then its change notice.
    await setYanked(t.deps.db, t.clock.now(), release.id, "broken", true);
    await t.deps.changes.publish(project.id);
    const after = JSON.parse((await get(port, "/pypi/replay-pkg/json")).body.toString());
    expect(after.releases["1.0"][0].yanked).toBe(true);
  });
});
