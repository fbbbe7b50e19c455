import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "../../accounts/index.js";
import { type App, buildApp } from "../../app.js";
import { loadConfig } from "../../config.js";
import { createPgSchema, missing } from "../../test-support/index.js";
import { insertToken } from "../../tokens/store.js";
import { publishBody } from "./test-fixtures.js";

// Two instances share PostgreSQL and Redis: a publish on one must show at once in the other's cached
// packuments (both forms), and an unpublished tarball must stop being served by either.
describe.skipIf(missing("npm packument cache across instances", "postgres", "redis"))(
  "npm packument cache across instances",
  () => {
    let a: App;
    let b: App;
    let drop: () => Promise<void>;
    let prefix = "";
    let auth: Record<string, string>;
    const dirs: string[] = [];
    beforeAll(async () => {
      const schema = await createPgSchema();
      drop = schema.drop;
      prefix = `wharf-npm-test-${process.pid}-${Date.now()}:`;
      const make = () => {
        const dataDir = mkdtempSync(join(tmpdir(), "wharf-npm-multi-"));
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
      const user = await registerUser(
        a.deps,
        { ip: "127.0.0.1" },
        { username: "alice", email: "alice@example.com", password: "correct horse battery", verified: true },
        { viaOperator: true },
      );
      const { token } = await insertToken(a.deps.db, Date.now(), {
        userId: user.id,
        name: "t",
        projectIds: null,
        expiresAt: null,
        issuedBy: "user",
      });
      auth = { authorization: `Bearer ${token}` };
    });
    afterAll(async () => {
      const keys = (await a?.deps.redis?.keys(`${prefix}*`)) ?? [];
      if (keys.length) await a.deps.redis!.del(...keys);
      await a?.app.close();
      await b?.app.close();
      await drop?.();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    const versions = async (app: App, accept = "application/json") =>
      Object.keys((await app.app.inject({ url: "/npm/demo", headers: { accept } })).json().versions ?? {});
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 50 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
      return check();
    };

    it("shows a version published on one instance in the other's cached packuments", async () => {
      const put = async (v: string) =>
        a.app.inject({
          method: "PUT",
          url: "/npm/demo",
          payload: await publishBody("demo", v),
          headers: auth,
        });
      expect((await put("1.0.0")).statusCode).toBe(201);
      expect(await versions(b)).toEqual(["1.0.0"]);
      expect(await versions(b, "application/vnd.npm.install-v1+json")).toEqual(["1.0.0"]);
      expect((await put("1.1.0")).statusCode).toBe(201);
      expect(await until(async () => (await versions(b)).length === 2)).toBe(true);
      expect(
        await until(async () => (await versions(b, "application/vnd.npm.install-v1+json")).length === 2),
      ).toBe(true);
    });
  },
);
