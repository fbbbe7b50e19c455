// Shared by the benchmarks (bench/pypi.mjs, bench/npm.mjs): Wharf as a child process, wrk as the load
// generator, and a bare node:http "ceiling" replaying Wharf's exact bytes, so every row is reported as a
// ratio of what this machine can do at all (DESIGN.md: Benchmarks).
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
// What `wharf` (bin/wharf.js) runs: the bundled build (rolldown.config.mjs), not tsc's dist/main.js.
export const MAIN = join(ROOT, "dist", "bundle", "main.js");
/**
 * BENCH_SHORT=1: tiny sizes, one round, ~1 s per load run. CI runs every bench this way to prove the
 * harness still works (test/bench-smoke.test.ts); its numbers mean nothing and are never judged.
 */
export const SHORT = process.env.BENCH_SHORT === "1";
export const DURATION = Number(process.env.BENCH_DURATION ?? (SHORT ? 1 : 5));
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SHORT ? 1 : 2));
export const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
export const WRK = ["-t2", "-c32", `-d${DURATION}s`, "--latency", "--timeout", "5s"];

export class BenchError extends Error {}

/** Throws, so that `finally` still stops the server and removes the data dir. */
export function fail(message) {
  throw new BenchError(message);
}

/** dist/ is built and wrk is installed, or a clear failure. */
export function checkPrerequisites(script) {
  if (!existsSync(MAIN))
    fail(`dist/bundle/main.js is missing: run \`npm run build\` (npm run ${script} does)`);
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
  } catch (e) {
    // wrk --version exits 1 after printing its version; only a missing binary is a problem.
    if (e.code === "ENOENT") fail("wrk is not installed: apt-get install -y wrk");
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One raw response (no decompression): what the ceiling server will replay. */
export function capture(url, headers) {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    })
      .on("error", reject)
      .end();
  });
}

const HOP_BY_HOP = new Set(["date", "connection", "keep-alive", "transfer-encoding", "content-length"]);

/** A bare node:http server sending `sample`'s status, headers and body to every request. */
export async function ceiling(sample, fromFile) {
  const headers = Object.fromEntries(Object.entries(sample.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
  if (sample.status !== 304) headers["content-length"] = String(sample.body.length);
  const server = createServer((_req, res) => {
    res.writeHead(sample.status, headers);
    // The in-memory ceiling, or (a second reference for file rows) the same file streamed from disk.
    if (fromFile) createReadStream(fromFile).pipe(res);
    else res.end(sample.status === 304 ? undefined : sample.body);
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

function toMs(value) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!m) return Number.NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

export function wrk(url, headers, seconds = DURATION) {
  const args = [...WRK.filter((a) => !a.startsWith("-d")), `-d${seconds}s`];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", [...args, url], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}:\n${out}`));
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? "");
      const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const errors = /Socket errors: (.*)/.exec(out)?.[1];
      if (bad || errors) return reject(new Error(`wrk saw failures against ${url}:\n${out}`));
      const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
      resolve({ rps, p99, requests });
    });
  });
}

/**
 * Spawns `wharf serve` (of `main`, this build's by default); `ready()` waits for /readyz. Its stderr is
 * kept to explain a failure.
 */
export function startWharf(dataDir, port, extraEnv = {}, main = MAIN) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("WHARF_"))),
    WHARF_DATA_DIR: dataDir,
    WHARF_PORT: String(port),
    WHARF_ORIGIN: `http://localhost:${port}`,
    WHARF_SECRET_KEY: randomBytes(32).toString("hex"),
    WHARF_LOG_LEVEL: LOG_LEVEL,
    ...extraEnv,
  };
  // The JSON request log (stdout) goes to /dev/null, as it would to a fast log shipper.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main, "serve"], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (b) => {
    if (process.env.BENCH_STDERR) process.stderr.write(b);
    stderr = (stderr + b).slice(-8192);
  });
  const base = `http://127.0.0.1:${port}`;
  const ready = async () => {
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) fail(`wharf serve exited with ${child.exitCode}:\n${stderr}`);
      const ok = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    fail(`wharf serve was not ready within 20 s:\n${stderr}`);
  };
  const cli = (args, input = "") =>
    execFileSync(process.execPath, [main, ...args], {
      env: { ...env, WHARF_LOG_LEVEL: "warn" },
      input,
      timeout: 30_000,
    }).toString();
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
  };
  return { base, ready, cli, stop, pid: child.pid };
}

/**
 * Measures each row against Wharf and against a bare server replaying the same response (or streaming
 * `fromFile`), in alternating rounds after a warm-up; the best round of each counts, since other load
 * on a shared machine only ever lowers a round. Prints the per-round figures and a Markdown table.
 */
export async function compareWithCeiling(rows, okStatuses = [200], wharfPid = undefined) {
  const results = [];
  const only = process.env.BENCH_ONLY;
  for (const [label, url, headers, fromFile] of rows.filter(([l]) => !only || l.includes(only))) {
    const sample = await capture(url, headers);
    if (!okStatuses.includes(sample.status)) fail(`${label}: ${sample.status}`);
    if (fromFile && !existsSync(fromFile)) fail(`${fromFile} is missing`);
    const bare = await ceiling(sample, fromFile);
    try {
      const target = { wharf: url, bare: bare.url + new URL(url).pathname };
      // A warm-up second each (JIT, caches), except in the short mode, which only proves the harness.
      if (!SHORT) {
        await wrk(target.wharf, headers, 1);
        await wrk(target.bare, headers, 1);
      }
      const runs = { wharf: [], bare: [] };
      for (let round = 0; round < ROUNDS; round++) {
        if (SHORT) {
          // Both sides at once: the short mode's numbers are never read (CI proves the harness), and
          // wrk cannot run for less than a second, so this halves the smoke test's load time.
          const [w, b] = await Promise.all([wrk(target.wharf, headers), wrk(target.bare, headers)]);
          runs.wharf.push({ ...w, cpuMs: Number.NaN });
          runs.bare.push({ ...b, cpuMs: Number.NaN });
        } else
          for (const side of ["wharf", "bare"]) {
            // CPU per request moves much less with other load than req/s: the bare server runs in this
            // process (wrk is its own), Wharf in its child.
            const cpu = side === "wharf" ? () => procCpuMs(wharfPid) : () => ownCpuMs();
            const before = cpu();
            const r = await wrk(target[side], headers);
            const spent = cpu() - before;
            runs[side].push({ ...r, cpuMs: r.requests > 0 ? spent / r.requests : Number.NaN });
          }
      }
      const best = (list) => list.reduce((a, b) => (b.rps > a.rps ? b : a));
      const minCpu = (list) => Math.min(...list.map((r) => r.cpuMs));
      results.push({
        label,
        bytes: sample.body.length,
        w: best(runs.wharf),
        c: best(runs.bare),
        wCpu: minCpu(runs.wharf),
        cCpu: minCpu(runs.bare),
      });
      const each = (list) => list.map((r) => r.rps.toFixed(0)).join(", ");
      console.log(`  ${label}: Wharf ${each(runs.wharf)} req/s; bare ${each(runs.bare)} req/s`);
    } finally {
      await bare.close();
    }
  }
  const table = [
    [
      "endpoint",
      "bytes",
      "Wharf req/s",
      "Wharf p99",
      "bare node:http req/s",
      "bare p99",
      "Wharf / bare",
      "CPU/req Wharf / bare",
    ],
    ...results.map(({ label, bytes, w, c, wCpu, cCpu }) => [
      label,
      String(bytes),
      w.rps.toFixed(0),
      `${w.p99.toFixed(2)} ms`,
      c.rps.toFixed(0),
      `${c.p99.toFixed(2)} ms`,
      `${((100 * w.rps) / c.rps).toFixed(0)}%`,
      Number.isFinite(wCpu) ? `${(wCpu * 1000).toFixed(0)} / ${(cCpu * 1000).toFixed(0)} µs` : "n/a",
    ]),
  ];
  console.log(
    `\nLoad average after the runs: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  printTable(table);
  return results;
}

/** User + system CPU of a process, in ms, from /proc (NaN where there is no /proc or no pid). */
function procCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // utime and stime (fields 14 and 15 of stat(5)), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

function ownCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Each row again with an API token sent (issue 15: "anonymous and token-authenticated"), except
 * conditional and from-disk rows; the ceiling replays the same bytes.
 */
export function withToken(rows, authorization) {
  const authed = rows
    .filter(
      ([label, , headers, fromFile]) => !fromFile && !("if-none-match" in headers) && !label.includes("304"),
    )
    .map(([label, url, headers]) => [`${label}, token`, url, { ...headers, authorization }]);
  return [...rows, ...authed];
}

/** Prints rows (the first is the header) as a Markdown table: first column left, the rest right. */
export function printTable(table) {
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const line = (r) =>
    `| ${r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(" | ")} |`;
  console.log(`${line(table[0])}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const r of table.slice(1)) console.log(line(r));
}

/** Creates the verified "bench" account through the CLI and returns an account-wide API token for it. */
export function benchToken(wharf) {
  wharf.cli(
    [
      "user",
      "create",
      "--username",
      "bench",
      "--email",
      "bench@example.test",
      "--password-stdin",
      "--verified",
    ],
    "bench password for wharf 1\n",
  );
  return wharf.cli(["token", "create", "--user", "bench", "--reason", "benchmark set-up"]).trim();
}
