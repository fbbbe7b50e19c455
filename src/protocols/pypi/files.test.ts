import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeProjectQuarantine, quarantineProject } from "../../admin/quarantine.js";
import { buildWheel } from "../../packages/archives/test-fixtures.js";
import { ChangeFeed } from "../../packages/index.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../../test-support/index.js";

describe.each(testDatabases())("PyPI file downloads on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-files-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function published() {
    const { token, user } = await maintainer(t, "alice");
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "1.0.0" });
    const form = await twineForm(wheel, { name: "demo-pkg", version: "1.0.0" });
    const up = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
    expect(up.statusCode, up.body).toBe(200);
    const simple = await t.app.inject({
      url: "/simple/demo-pkg/",
      headers: { accept: "application/vnd.pypi.simple.v1+json" },
    });
    const url = new URL(simple.json().files[0].url, "http://localhost").pathname;
    return { url, bytes: await readFile(wheel), user };
  }

  it("serves the same bytes, ranges, the core metadata and 304s, again and again", async () => {
    const { url, bytes } = await published();
    for (let i = 0; i < 3; i++) {
      const r = await t.app.inject({ url });
      expect(r.statusCode).toBe(200);
      expect(r.rawPayload.equals(bytes)).toBe(true);
      expect(r.headers["content-length"]).toBe(String(bytes.length));
    }
    const part = await t.app.inject({ url, headers: { range: "bytes=2-11" } });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.equals(bytes.subarray(2, 12))).toBe(true);
    expect(part.headers["content-range"]).toBe(`bytes 2-11/${bytes.length}`);
    const tail = await t.app.inject({ url, headers: { range: "bytes=-4" } });
    expect(tail.rawPayload.equals(bytes.subarray(bytes.length - 4))).toBe(true);
    const etag = String(part.headers.etag);
    expect((await t.app.inject({ url, headers: { "if-none-match": etag } })).statusCode).toBe(304);
    const meta = await t.app.inject({ url: `${url}.metadata` });
    expect(meta.statusCode).toBe(200);
    expect(meta.body).toContain("Name: demo-pkg");
    expect((await t.app.inject({ url: url.replace(/[0-9a-f]{64}/, "0".repeat(64)) })).statusCode).toBe(404);
  });

  it("stops serving a kept file as soon as its project is quarantined, and serves it again when released", async () => {
    const { url, user } = await published();
    expect((await t.app.inject({ url })).statusCode).toBe(200);
    expect((await t.app.inject({ url: `${url}.metadata` })).statusCode).toBe(200);
    const operator = { id: user.id, name: "alice", ip: "127.0.0.1" };
    await quarantineProject(t.deps, operator, "pypi", "demo-pkg", "Reported: reads ~/.pypirc");
    expect((await t.app.inject({ url })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `${url}.metadata` })).statusCode).toBe(404);
    await closeProjectQuarantine(t.deps, operator, "pypi", "demo-pkg", "released", "False report, checked");
    expect((await t.app.inject({ url })).statusCode).toBe(200);
  });

  it("stops serving within seconds when another process (the operator's CLI, no Redis) quarantines it", async () => {
    const { url, user } = await published();
    expect((await t.app.inject({ url })).statusCode).toBe(200);
    // What `wharf project quarantine` does: its own change feed over the same database.
    const cli = new ChangeFeed(undefined, "cli:", t.deps.db);
    try {
      const operator = { id: user.id, name: "cli:ops@host", ip: "127.0.0.1" };
      await quarantineProject(
        { ...t.deps, changes: cli },
        operator,
        "pypi",
        "demo-pkg",
        "Reported: reads ~/.pypirc",
      );
    } finally {
      cli.close();
    }
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await t.app.inject({ url })).statusCode;
    }
    expect(status).toBe(404);
    const simple = await t.app.inject({ url: "/simple/demo-pkg/" });
    expect(simple.statusCode).toBe(404);
  });
});
