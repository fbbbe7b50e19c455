import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type App, buildApp } from "../app.js";
import { type Config, loadConfig } from "../config.js";
import { ManualClock } from "../lib/clock.js";
import { settleBackground } from "../mail/index.js";
import { createPgSchema, type DbKind } from "./databases.js";
import { type OutboxMessage, readOutbox } from "./outbox.js";

export interface TestApp extends App {
  clock: ManualClock;
  dataDir: string;
  outbox(): Promise<OutboxMessage[]>;
  close(): Promise<void>;
}

/** A whole Wharf on a temp data dir and a fresh database (SQLite file or PostgreSQL schema). */
export async function createTestApp(
  kind: DbKind = "sqlite",
  overrides: Partial<Config> = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-test-"));
  const pgSchema = kind === "postgres" ? await createPgSchema() : undefined;
  const config = {
    ...loadConfig({ WHARF_DATA_DIR: dataDir, WHARF_LOG_LEVEL: "silent" }),
    ...(pgSchema ? { databaseUrl: pgSchema.url } : {}),
    // Tests publish families of similar names; the typosquat tests turn the check on themselves.
    typosquatAction: "off" as const,
    ...overrides,
    secretKey: "test-secret-key-0123456789-abcdefghijklmnop",
  };
  const clock = new ManualClock(Date.now());
  let built: App;
  try {
    built = await buildApp(config, { clock, logger: { level: "silent" } });
  } catch (e) {
    await pgSchema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    ...built,
    clock,
    dataDir,
    // Mail queued after a response (mail/background.ts) is part of what a test expects to find.
    outbox: async () => {
      await settleBackground();
      return readOutbox(join(dataDir, "outbox"));
    },
    close: async () => {
      await built.app.close();
      await pgSchema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
