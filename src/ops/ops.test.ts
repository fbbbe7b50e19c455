import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";

describe.each(testDatabases())("operations endpoints on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  it("answers /healthz and /readyz with the database and blob store checked", async () => {
    expect((await t.app.inject("/healthz")).json()).toEqual({ status: "ok" });
    const ready = await t.app.inject("/readyz");
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready", checks: { database: "ok", blobs: "ok" } });
  });

  it("reports not ready when the blob store is unreachable", async () => {
    t.deps.blobs.ping = async () => {
      throw new Error("bucket unreachable");
    };
    const ready = await t.app.inject("/readyz");
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.blobs).toBe("bucket unreachable");
  });

  it("reports not ready while the shared Redis is not connected", async () => {
    // A port nothing listens on: ioredis keeps reconnecting, and the limits would answer 503 meanwhile.
    const other = await createTestApp(kind, {
      redisUrl: "redis://127.0.0.1:1",
      redisPrefix: "wharf-readyz:",
    });
    try {
      const ready = await other.app.inject("/readyz");
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks.redis).toMatch(/^redis is (connecting|reconnecting|wait|close)/);
    } finally {
      await other.close();
    }
  });

  it("counts requests by route pattern and status on /metrics", async () => {
    await t.app.inject("/account/login");
    await t.app.inject("/no/such/page");
    const text = (await t.app.inject("/metrics")).body;
    expect(text).toMatch(/wharf_http_requests_total\{method="GET",route="\/account\/login",status="200"\} 1/);
    expect(text).toMatch(/wharf_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    expect(text).toContain("wharf_http_request_duration_seconds_bucket");
  });

  it("echoes a request id and sets protective headers on pages", async () => {
    const res = await t.app.inject({ url: "/", headers: { "x-request-id": "lb-123" } });
    expect(res.headers["x-request-id"]).toBe("lb-123");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  });

  it("shows a helpful HTML 404 page", async () => {
    const res = await t.app.inject("/nope");
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain("Page not found");
  });
});

describe("Strict-Transport-Security", () => {
  const hstsOf = (env: Record<string, string>) => {
    const { origin, hsts } = loadConfig(env);
    return { origin, hsts };
  };
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  it("is sent on every response (pages, APIs, errors) when the origin is https", async () => {
    t = await createTestApp("sqlite", hstsOf({ WHARF_ORIGIN: "https://pkg.example" }));
    for (const url of ["/", "/healthz", "/simple/", "/npm/nope", "/no/such/page"]) {
      const res = await t.app.inject(url);
      expect(res.headers["strict-transport-security"], url).toBe("max-age=31536000; includeSubDomains");
    }
  });

  it("follows WHARF_HSTS, and is never sent when it is off or the origin is plain http", async () => {
    t = await createTestApp(
      "sqlite",
      hstsOf({ WHARF_ORIGIN: "https://pkg.example", WHARF_HSTS: "max-age=600; preload" }),
    );
    expect((await t.app.inject("/")).headers["strict-transport-security"]).toBe("max-age=600; preload");
    await t.close();
    t = await createTestApp("sqlite", hstsOf({ WHARF_ORIGIN: "https://pkg.example", WHARF_HSTS: "off" }));
    expect((await t.app.inject("/")).headers["strict-transport-security"]).toBeUndefined();
    await t.close();
    t = await createTestApp("sqlite", hstsOf({ WHARF_ORIGIN: "http://localhost:8080" }));
    expect((await t.app.inject("/")).headers["strict-transport-security"]).toBeUndefined();
  });
});
