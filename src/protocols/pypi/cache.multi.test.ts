import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "../../accounts/index.js";
import { type App, buildApp } from "../../app.js";
import { loadConfig } from "../../config.js";
import { basicAuth, createPgSchema, missing, twineForm } from "../../test-support/index.js";
import { insertToken } from "../../tokens/store.js";
import { buildWheel } from "./dist/test-fixtures.js";

// Two instances share PostgreSQL and Redis: an upload on one must show in the other's cached index.
describe.skipIf(missing("index cache across instances", "postgres", "redis"))(
  "index cache across instances",
  () => {
    let a: App;
    let b: App;
    let drop: () => Promise<void>;
    let prefix = "";
    const dirs: string[] = [];
    beforeAll(async () => {
      const schema = await createPgSchema();
      drop = schema.drop;
      prefix = `wharf-test-${process.pid}-${Date.now()}:`;
      const make = () => {
        const dataDir = mkdtempSync(join(tmpdir(), "wharf-multi-"));
        dirs.push(dataDir);
        return buildApp(
          {
            ...loadConfig({ WHARF_DATA_DIR: dataDir, WHARF_LOG_LEVEL: "silent" }),
            databaseUrl: schema.url,
            redisUrl: process.env.WHARF_TEST_REDIS_URL,
            redisPrefix: prefix,
            secretKey: "shared-secret-key-0123456789-abcdefghijkl",
          },
          { logger: { level: "silent" } },
        );
      };
      a = await make();
      b = await make();
    });
    afterAll(async () => {
      const keys = (await a?.deps.redis?.keys(`${prefix}*`)) ?? [];
      if (keys.length) await a.deps.redis!.del(...keys);
      await a?.app.close();
      await b?.app.close();
      await drop?.();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it("drops instance B's cached /simple/ page when instance A publishes", async () => {
      const user = await registerUser(
        a.deps,
        { ip: "127.0.0.1" },
        { username: "carol", email: "carol@example.com", password: "correct horse battery", verified: true },
        { viaOperator: true },
      );
      const { token } = await insertToken(a.deps.db, Date.now(), {
        userId: user.id,
        name: "t",
        projectIds: null,
        expiresAt: null,
        issuedBy: "user",
      });
      const dir = dirs[0]!;
      const publish = async (version: string) => {
        const form = await twineForm(await buildWheel(dir, { name: "shared-pkg", version }), {
          name: "shared-pkg",
          version,
        });
        const res = await a.app.inject({
          method: "POST",
          url: "/legacy/",
          payload: form.payload,
          headers: { ...form.headers, authorization: basicAuth("__token__", token) },
        });
        expect(res.statusCode).toBe(200);
      };
      const versionsOnB = async () =>
        (
          await b.app.inject({
            url: "/simple/shared-pkg/",
            headers: { accept: "application/vnd.pypi.simple.v1+json" },
          })
        ).json().versions;
      await publish("1.0");
      expect(await versionsOnB()).toEqual(["1.0"]); // now cached on B
      await publish("2.0");
      let seen: string[] = [];
      for (let i = 0; i < 50 && seen.length < 2; i++) {
        seen = await versionsOnB();
        if (seen.length < 2) await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen).toEqual(["1.0", "2.0"]);
    });
  },
);
