// Start-up cost (issue 15 item 9): `wharf --help`, a typical CLI command, and `wharf serve` until its
// first 200 on /healthz, each as a whole process, against `node -e 0` (the floor no import can beat).
// Runs are interleaved (floor, help, ... in turn) so drift on a shared machine hits every row alike;
// min / median / max of wall time are printed with the load average.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fail, freePort, MAIN, printTable, SHORT } from "./lib.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SHORT ? 1 : 7));

/**
 * CPU (user + system, ms) from /proc (Linux; NaN elsewhere): on a shared machine the robust figure,
 * since wall time moves with everyone else's load. A process that ran to its end is counted in this
 * process's cutime/cstime once reaped; a server is read at its first 200, before it is stopped.
 */
function cpuMs(pid, children) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    const [u, s] = children ? [f[13], f[14]] : [f[11], f[12]];
    return ((Number(u) + Number(s)) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** Runs `node args` until it exits, or with `until` until that resolves (then stops it); wall ms. */
function timed(args, env, until) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const reaped = cpuMs(process.pid, true);
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b) => (stderr = (stderr + b).slice(-4096)));
    let wall;
    let cpu;
    let failed;
    child.once("error", reject);
    until?.(child).then(
      () => {
        wall = Number(process.hrtime.bigint() - start) / 1e6;
        cpu = cpuMs(child.pid, false);
        child.kill("SIGTERM");
      },
      (e) => {
        failed = e;
        child.kill("SIGKILL");
      },
    );
    child.once("exit", (code, signal) => {
      if (failed) return reject(new Error(`${failed.message}:\n${stderr}`));
      if (!until && code !== 0) return reject(new Error(`node ${args.join(" ")} exited ${code}:\n${stderr}`));
      if (until && wall === undefined) return reject(new Error(`exited ${code ?? signal}:\n${stderr}`));
      // The exit event comes after libuv reaped the child, so its CPU is in our children's total now.
      resolve({
        wall: wall ?? Number(process.hrtime.bigint() - start) / 1e6,
        cpu: cpu ?? cpuMs(process.pid, true) - reaped,
      });
    });
  });
}

/** Polls /healthz every 5 ms until a 200 (the time a load balancer would first see the instance up). */
async function firstOk(port, child) {
  for (let i = 0; i < 6000; i++) {
    if (child.exitCode !== null) fail(`wharf serve exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  fail("wharf serve did not answer /healthz within 30 s");
}

const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-startup-"));
try {
  const port = await freePort();
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("WHARF_"))),
    WHARF_DATA_DIR: dataDir,
    WHARF_PORT: String(port),
    WHARF_ORIGIN: `http://localhost:${port}`,
    WHARF_SECRET_KEY: randomBytes(32).toString("hex"),
    WHARF_LOG_LEVEL: "warn",
  };
  // The database is migrated once here, so every timed `serve` and `user list` starts on a warm one.
  await timed([MAIN, "migrate"], env);
  const rows = [
    ["node -e 0 (floor)", ["-e", "0"]],
    ["wharf --help", [MAIN, "--help"]],
    ["wharf config check", [MAIN, "config", "check"]],
    ["wharf user list", [MAIN, "user", "list"]],
    ["wharf serve → first 200 /healthz", [MAIN, "serve"], (child) => firstOk(port, child)],
  ];
  // BENCH_STARTUP_BASELINE=/path/to/other/dist/main.js: the same commands of another build (e.g. the
  // commit before a change), interleaved with this one's, for a before/after in one run.
  const baseline = process.env.BENCH_STARTUP_BASELINE;
  if (baseline) {
    for (const [label, args, until] of rows.slice(1))
      rows.push([`${label} (baseline)`, args.map((a) => (a === MAIN ? baseline : a)), until]);
  }
  const times = rows.map(() => []);
  const cpus = rows.map(() => []);
  // One unmeasured round warms the disk cache (not in the short mode); then the rounds, interleaved.
  for (let round = SHORT ? 0 : -1; round < ROUNDS; round++) {
    for (const [i, [, args, until]] of rows.entries()) {
      const { wall, cpu } = await timed(args, env, until);
      if (round >= 0) times[i].push(wall);
      if (round >= 0) cpus[i].push(cpu);
    }
  }
  const stat = (list) => {
    const s = [...list].sort((a, b) => a - b);
    return [s[0], s[Math.floor(s.length / 2)], s.at(-1)].map((v) =>
      Number.isNaN(v) ? "n/a" : `${v.toFixed(0)} ms`,
    );
  };
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; ${ROUNDS} rounds`,
  );
  printTable([
    ["command", "wall min", "wall median", "wall max", "CPU min", "CPU median", "CPU max"],
    ...rows.map(([label], i) => [label, ...stat(times[i]), ...stat(cpus[i])]),
  ]);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
