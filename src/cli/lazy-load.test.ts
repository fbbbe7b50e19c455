import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Bounded work, not a stopwatch: `wharf --help` and `wharf config check` must not load the web app or
// the database drivers (that cost ~1.2 s of CPU on every invocation). CommonJS packages imported from
// ES modules land in require.cache, so after the command has finished the cache says what was loaded.
const MAIN = pathToFileURL(join(import.meta.dirname, "../../dist/main.js")).href;
const PROBE = `
import { createRequire } from "node:module";
process.on("beforeExit", () => {
  const cache = Object.keys(createRequire(import.meta.url).cache);
  process.stderr.write("\\nLOADED " + JSON.stringify(cache) + "\\n");
});
process.argv = [process.argv[0], "wharf", ...JSON.parse(process.env.PROBE_ARGS)];
await import(${JSON.stringify(MAIN)});
`;

describe("wharf CLI start-up", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "wharf-lazy-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const loaded = (args: string[]) => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE], {
      encoding: "utf8",
      env: {
        ...process.env,
        PROBE_ARGS: JSON.stringify(args),
        WHARF_DATA_DIR: dataDir,
        WHARF_DATABASE_URL: "",
      },
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    const line = /\nLOADED (.*)\n/.exec(r.stderr)?.[1];
    expect(line).toBeDefined();
    return JSON.parse(line!) as string[];
  };
  const heavy = (files: string[]) =>
    files.filter((f) => /node_modules\/(fastify|better-sqlite3|pg|ioredis|pino|nodemailer)\//.test(f));

  it("loads neither the web app nor a database driver for --help or config check", () => {
    expect(heavy(loaded(["--help"]))).toEqual([]);
    expect(heavy(loaded(["config", "check"]))).toEqual([]);
  });

  it("still loads them for a command that needs the database (the probe sees them)", () => {
    expect(heavy(loaded(["user", "list"])).some((f) => f.includes("better-sqlite3"))).toBe(true);
  });
});
