import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
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
