import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type App, buildApp } from "../app.js";
import { type Config, loadConfig } from "../config.js";
import { createPgSchema } from "./databases.js";

export interface TwoInstances {
  a: App;
  b: App;
  /** Scratch directories (one per instance's data dir), removed by close(). */
  dirs: string[];
  close(): Promise<void>;
}

/**
 * Two Wharf instances in one process sharing a fresh PostgreSQL schema, one Redis (under a key prefix
 * of their own) and one secret key, with separate data dirs: a load-balanced deployment in miniature.
 * Needs WHARF_TEST_DATABASE_URL and WHARF_TEST_REDIS_URL (skip with `missing(..., "postgres", "redis")`).
 */
export async function createTwoInstances(overrides: Partial<Config> = {}): Promise<TwoInstances> {
  const schema = await createPgSchema();
  const prefix = `wharf-test-${process.pid}-${Date.now()}:`;
  const dirs: string[] = [];
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
        ...overrides,
      },
      { logger: { level: "silent" } },
    );
  };
  const a = await make();
  const b = await make();
  return {
    a,
    b,
    dirs,
    async close() {
      const keys = (await a.deps.redis?.keys(`${prefix}*`)) ?? [];
      if (keys.length) await a.deps.redis!.del(...keys);
      await a.app.close();
      await b.app.close();
      await schema.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
