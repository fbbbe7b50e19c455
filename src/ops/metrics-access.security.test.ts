import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Config, loadConfig } from "../config.js";
import { createTestApp, type TestApp } from "../test-support/index.js";

const TOKEN = "metrics-token-0123456789-abcdefghijkl";
/** The gauge that tells how many critical maintainers lack a key: what must not leak. */
const SENSITIVE = "wharf_critical_maintainers_compliant_ratio";

function settings(env: Record<string, string>): Partial<Config> {
  const c = loadConfig(env);
  return { metricsToken: c.metricsToken, metricsAddress: c.metricsAddress, trustProxy: c.trustProxy };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe("who may read /metrics", () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const scrape = (opts: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
    t!.app.inject({
      url: "/metrics",
      remoteAddress: opts.remoteAddress ?? "127.0.0.1",
      headers: opts.headers,
    });

  it("by default answers a local scraper and refuses remote and proxied requests", async () => {
    t = await createTestApp("sqlite", settings({ WHARF_TRUST_PROXY: "loopback" }));
    const local = await scrape();
    expect(local.statusCode).toBe(200);
    expect(local.body).toContain(SENSITIVE);
    for (const [remoteAddress, headers] of [
      ["203.0.113.5", {}],
      ["10.1.2.3", {}],
      // A reverse proxy on the same host connects from loopback for every outside client.
      ["127.0.0.1", { "x-forwarded-for": "203.0.113.5" }],
      ["127.0.0.1", { forwarded: "for=203.0.113.5" }],
      ["::ffff:10.0.0.8", { "x-forwarded-for": "127.0.0.1" }],
    ] as const) {
      const res = await scrape({ remoteAddress, headers });
      expect(res.statusCode, `${remoteAddress} ${JSON.stringify(headers)}`).toBe(403);
      expect(res.body).toContain("Metrics are served to local clients only");
      expect(res.body).not.toContain(SENSITIVE);
    }
    expect((await scrape({ remoteAddress: "::1" })).statusCode).toBe(200);
  });

  it("with WHARF_METRICS_TOKEN requires the bearer token from everyone, local or not", async () => {
    t = await createTestApp("sqlite", settings({ WHARF_METRICS_TOKEN: TOKEN }));
    for (const authorization of [undefined, "Bearer wrong-token", `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const res = await scrape({ headers: authorization ? { authorization } : {} });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.headers["www-authenticate"]).toBe('Bearer realm="metrics"');
      expect(res.body).not.toContain(SENSITIVE);
    }
    const ok = await scrape({ remoteAddress: "203.0.113.5", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain(SENSITIVE);
  });

  it("with WHARF_METRICS_ADDRESS serves it only on that listener (plus the token when set)", async () => {
    const port = await freePort();
    t = await createTestApp(
      "sqlite",
      settings({ WHARF_METRICS_ADDRESS: `127.0.0.1:${port}`, WHARF_METRICS_TOKEN: TOKEN }),
    );
    await t.app.ready();
    expect((await scrape({ headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain(SENSITIVE);
    expect((await fetch(`${base}/account/login`)).status).toBe(404);
    await t.close();
    t = undefined;
    // Closed with the app: the port is free again.
    await expect(fetch(`${base}/metrics`)).rejects.toThrow();
  });

  it("stops start-up when the metrics address cannot be bound", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
    const { port } = taken.address() as { port: number };
    try {
      t = await createTestApp("sqlite", settings({ WHARF_METRICS_ADDRESS: `127.0.0.1:${port}` }));
      await expect(t.app.ready()).rejects.toThrow(/EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});
