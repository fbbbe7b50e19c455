import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every benchmark runs in its short mode (BENCH_SHORT=1: tiny sizes, one round, ~1 s load runs), so a
 * change that breaks a harness — a renamed module, a new limit it trips over, a changed response — is
 * caught by `npm test` rather than by the next person measuring. Only that: the numbers of a short run
 * mean nothing and are never judged (issue 15: "fails only on a broken harness, never on a number").
 * Each must exit 0 and print its result: a Markdown table (stats-import.mjs prints lines instead).
 */
const ROOT = join(import.meta.dirname, "..");
const HAS_WRK = spawnSync("wrk", ["--version"]).error === undefined;
/** CI installs wrk (.ci/run); a developer's machine without it skips the benches that drive load. */
const NEEDS_WRK = new Set(["npm.mjs", "pypi.mjs", "rubygems.mjs", "tokens.mjs"]);

const TABLE = /^\|.*\|\n\|[ -|]+\|$/m;
// Longest first (measured under load: tokens, pypi, npm, rubygems ~20-35 s each, the rest ≤ 20 s), so the
// two slots below finish together instead of one long bench running alone at the end.
const BENCHES: [file: string, env: Record<string, string>, result?: RegExp][] = [
  ["tokens.mjs", {}],
  ["pypi.mjs", {}],
  ["npm.mjs", {}],
  ["rubygems.mjs", {}],
  ["startup.mjs", {}],
  ["upload.mjs", {}],
  ["simple-root.mjs", {}],
  ["growth.mjs", {}],
  // Its own knobs (bench/render.mjs): one append per response kind, one small package of each.
  ["render.mjs", { BENCH_APPENDS: "1", BENCH_NPM_SIZES: "5", BENCH_PYPI_SIZES: "5" }],
  ["typosquat.mjs", {}],
  ["stats-import.mjs", {}, /^imported [\d,]+ rows .* rows\/s/m],
];
// Not here: criticality.mjs needs its TypeScript support built first (tsconfig.bench.json) and a
// 700,000-project population; oidc.mjs belongs to trusted publishing and runs its own check.

/** Two benches at a time: their numbers are not read, and the suite stays within ~90 s of CI time. */
let free = 2;
const queue: (() => void)[] = [];
async function inSlot<T>(work: () => Promise<T>): Promise<T> {
  if (free > 0) free--;
  else await new Promise<void>((r) => queue.push(r));
  try {
    return await work();
  } finally {
    const next = queue.shift();
    if (next) next();
    else free++;
  }
}

function run(file: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bench", file)], {
      cwd: ROOT,
      env: { ...process.env, BENCH_SHORT: "1", BENCH_LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (out += b));
    child.once("close", (code) => resolve({ code, out }));
  });
}

describe.skipIf(!existsSync(join(ROOT, "dist", "bundle", "main.js")))(
  "benchmarks in their short mode",
  () => {
    for (const [file, env, result = TABLE] of BENCHES) {
      const skip =
        !existsSync(join(ROOT, "bench", file)) || (NEEDS_WRK.has(file) && !HAS_WRK && !process.env.CI);
      (skip ? it.skip : it.concurrent)(
        `${file} runs and prints its result`,
        { timeout: 300_000 },
        async () => {
          const { code, out } = await inSlot(() => run(file, env));
          expect(code, out).toBe(0);
          expect(out, out).toMatch(result);
        },
      );
    }
  },
);
