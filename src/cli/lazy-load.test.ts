import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Bounded work, not a stopwatch: `wharf --help` and `wharf config check` must not load the web app or
// the database drivers (that cost ~1.2 s of CPU on every invocation), and neither a CLI command nor a
// started server may load a back end it is not configured for (issue 15: start-up < 1 s). The probe
// records every file loaded: CommonJS ones from require.cache, ES modules through a load hook.
const DIST = pathToFileURL(join(import.meta.dirname, "../../dist/")).href;
const HOOK = `let port; export function initialize(d) { port = d.port; }
export async function load(url, context, next) { if (url.startsWith("file:")) port.postMessage(url); return next(url, context); }`;
const PROBE = `
import { createRequire, register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const esm = [];
const { port1, port2 } = new MessageChannel();
port1.on("message", (u) => esm.push(decodeURIComponent(new URL(u).pathname)));
port1.unref();
register("data:text/javascript," + encodeURIComponent(${JSON.stringify(HOOK)}), {
  data: { port: port2 },
  transferList: [port2],
});
const report = () => {
  const cache = Object.keys(createRequire(import.meta.url).cache);
  process.stderr.write("\\nLOADED " + JSON.stringify([...cache, ...esm]) + "\\n");
};
if (process.env.PROBE_SERVE) {
  // What \`wharf serve\` loads before its first request: the whole app, built on a SQLite database.
  const { loadConfig } = await import(${JSON.stringify(`${DIST}config.js`)});
  const { buildApp } = await import(${JSON.stringify(`${DIST}app.js`)});
  const { app } = await buildApp({ ...loadConfig(process.env, {}), secretKey: "k".repeat(64) }, { logger: false });
  await app.ready();
  if ((await app.inject("/healthz")).statusCode !== 200) throw new Error("/healthz failed");
  await new Promise((r) => setTimeout(r, 200));
  report();
  await app.close();
} else {
  process.on("beforeExit", report);
  process.argv = [process.argv[0], "wharf", ...JSON.parse(process.env.PROBE_ARGS)];
  await import(process.env.PROBE_MAIN || ${JSON.stringify(`${DIST}main.js`)});
  if (process.argv[2] === "serve") {
    // A real \`wharf serve\` (of the bundle): what it loaded once it answers, then stop.
    for (;;) {
      const ok = await fetch("http://127.0.0.1:" + process.env.WHARF_PORT + "/healthz").then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    report();
    process.exit(0);
  }
}
`;

/** Back ends and libraries needed only by some configurations or some requests, never at start-up. */
const LAZY =
  /node_modules\/(@aws-sdk|@smithy|pg|ioredis|nodemailer|@simplewebauthn|@peculiar|jose|markdown-it|qrcode|@node-rs\/argon2|hash-wasm)\//;

describe("wharf CLI start-up", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "wharf-lazy-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const loaded = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE], {
      encoding: "utf8",
      env: {
        ...process.env,
        PROBE_ARGS: JSON.stringify(args),
        WHARF_DATA_DIR: dataDir,
        WHARF_DATABASE_URL: "",
        WHARF_REDIS_URL: "",
        WHARF_S3_BUCKET: "",
        WHARF_SMTP_URL: "",
        ...env,
      },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const line = /\nLOADED (.*)\n/.exec(r.stderr)?.[1];
    expect(line).toBeDefined();
    return JSON.parse(line!) as string[];
  };
  const heavy = (files: string[]) =>
    files.filter((f) => /node_modules\/(fastify|better-sqlite3|pg|ioredis|pino|nodemailer)\//.test(f));
  const lazy = (files: string[]) => [
    ...new Set(files.filter((f) => LAZY.test(f)).map((f) => LAZY.exec(f)![1])),
  ];

  it("loads neither the web app nor a database driver for --help or config check", () => {
    expect(heavy(loaded(["--help"]))).toEqual([]);
    expect(heavy(loaded(["config", "check"]))).toEqual([]);
  });

  it("still loads them for a command that needs the database (the probe sees them)", () => {
    expect(heavy(loaded(["user", "list"])).some((f) => f.includes("better-sqlite3"))).toBe(true);
  });

  it("a started server and a CLI command load no back end they are not configured for", () => {
    const serve = loaded([], { PROBE_SERVE: "1" });
    // The probe sees ES modules and CommonJS alike: the web framework (CommonJS) and kysely (ESM).
    expect(serve.some((f) => f.includes("node_modules/fastify/"))).toBe(true);
    expect(serve.some((f) => f.includes("node_modules/kysely/"))).toBe(true);
    expect(lazy(serve)).toEqual([]);
    expect(lazy(loaded(["user", "list"]))).toEqual([]);
  });

  // The shipped entry (bin/wharf.js) is the bundle (rolldown.config.mjs): our code and most packages
  // are inlined into chunks; the back ends stay external (node_modules paths, as above) and must stay lazy.
  it("the bundled build keeps --help light and loads no back end it is not configured for", () => {
    const bundle = fileURLToPath(`${DIST}bundle/main.js`);
    const app = (files: string[]) => files.filter((f) => /dist\/bundle\/app-/.test(f));
    const help = loaded(["--help"], { PROBE_MAIN: bundle });
    expect(help.some((f) => f.endsWith("dist/bundle/main.js"))).toBe(true);
    expect([...heavy(help), ...app(help)]).toEqual([]);
    const list = loaded(["user", "list"], { PROBE_MAIN: bundle });
    expect(list.some((f) => f.includes("node_modules/better-sqlite3/"))).toBe(true);
    expect(lazy(list)).toEqual([]);
    const serve = loaded(["serve"], {
      PROBE_MAIN: bundle,
      WHARF_PORT: String(40_000 + (process.pid % 20_000)),
    });
    expect(app(serve)).toHaveLength(1);
    // Bundled: the web framework and kysely come from the bundle, not from node_modules.
    expect(serve.some((f) => /node_modules\/(fastify|kysely)\//.test(f))).toBe(false);
    expect(lazy(serve)).toEqual([]);
  });

  it("the probe sees a back end once it is configured (PostgreSQL driver at first connection)", () => {
    // A database URL nobody answers: the command fails, but only after importing the driver to try.
    const files = (() => {
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE], {
        encoding: "utf8",
        env: {
          ...process.env,
          PROBE_ARGS: JSON.stringify(["migrate"]),
          WHARF_DATA_DIR: dataDir,
          WHARF_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
        },
        timeout: 60_000,
      });
      return JSON.parse(/\nLOADED (.*)\n/.exec(r.stderr)?.[1] ?? "[]") as string[];
    })();
    expect(lazy(files)).toContain("pg");
  });
});
