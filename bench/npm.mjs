// npm read-path benchmark: `npm run bench:npm` (builds dist/ first).
//
// Starts Wharf (SQLite, filesystem blobs) on a temp data dir, publishes one package with 500 versions
// through the npm publish API (the same PUT `npm publish` sends, integrity-checked tarballs), then
// measures with wrk the full packument, the abbreviated one npm install asks for (each with and without
// gzip, and a conditional 304), and a tarball download. Each row also runs against a bare node:http
// server that answers every request with the exact bytes and headers Wharf sent (this machine's
// ceiling), and Wharf is reported as a percentage of it (DESIGN.md "Benchmarks").
//
// Settings (environment): BENCH_DURATION (wrk seconds per run, default 5), BENCH_ROUNDS (alternating
// Wharf/bare rounds per row, best counts, default 2), BENCH_LOG_LEVEL (Wharf's WHARF_LOG_LEVEL,
// default "info", the shipped default), BENCH_VERSIONS (default 500), BENCH_ONLY (rows whose label
// contains this text).
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const MAIN = join(ROOT, "dist", "main.js");
const NAME = "bench-package";
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 500);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
const WRK = ["-t2", "-c32", `-d${DURATION}s`, "--latency", "--timeout", "5s"];
const INSTALL_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";

class BenchError extends Error {}
function fail(message) {
  throw new BenchError(message);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A version manifest of realistic size (~2.5 KB, like a popular package's). */
function manifest(version) {
  const deps = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`dep-${i}`, `^${i + 1}.2.3`]));
  return {
    name: NAME,
    version,
    description: "A package published 500 times, to measure how the registry serves a big packument.",
    main: "index.js",
    keywords: ["bench", "registry", "npm", "wharf", "packument", "performance"],
    author: { name: "Bench Author", url: "https://example.test/" },
    license: "MIT",
    repository: { type: "git", url: "git+https://example.test/bench/bench-package.git" },
    bugs: { url: "https://example.test/bench/bench-package/issues" },
    homepage: "https://example.test/bench/bench-package#readme",
    engines: { node: ">=18" },
    scripts: { test: "node test.js", build: "node build.js", lint: "eslint ." },
    dependencies: deps,
    devDependencies: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`dev-tool-${i}`, `~${i}.0.0`])),
    contributors: Array.from({ length: 6 }, (_, i) => ({
      name: `Contributor ${i}`,
      url: `https://example.test/${i}`,
    })),
    files: ["index.js", "lib/", "README.md"],
  };
}

async function tarball(m, payload) {
  const pack = tar.pack();
  pack.entry({ name: "package/package.json" }, JSON.stringify(m));
  pack.entry({ name: "package/index.js" }, `module.exports = ${JSON.stringify(m.version)};\n`);
  if (payload) pack.entry({ name: "package/payload.bin" }, payload);
  pack.finalize();
  const chunks = [];
  for await (const c of pack) chunks.push(c);
  return gzipSync(Buffer.concat(chunks));
}

async function publish(base, token, version, payload) {
  const m = manifest(version);
  const bytes = await tarball(m, payload);
  const body = {
    _id: NAME,
    name: NAME,
    description: m.description,
    "dist-tags": { latest: version },
    versions: {
      [version]: {
        ...m,
        readme: `# ${NAME}\n\n${"Some documentation. ".repeat(100)}\n`,
        _id: `${NAME}@${version}`,
        dist: {
          integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
          shasum: createHash("sha1").update(bytes).digest("hex"),
        },
      },
    },
    _attachments: {
      [`${NAME}-${version}.tgz`]: {
        content_type: "application/octet-stream",
        data: bytes.toString("base64"),
        length: bytes.length,
      },
    },
  };
  const res = await fetch(`${base}/npm/${NAME}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) fail(`publish ${version}: ${res.status} ${await res.text()}`);
}

function capture(url, headers) {
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

async function ceiling(sample) {
  const headers = Object.fromEntries(Object.entries(sample.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
  if (sample.status !== 304) headers["content-length"] = String(sample.body.length);
  const server = createServer((_req, res) => {
    res.writeHead(sample.status, headers);
    res.end(sample.status === 304 ? undefined : sample.body);
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

function toMs(value) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : Number.NaN;
}

function wrk(url, headers, seconds = DURATION) {
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
      resolve({ rps, p99 });
    });
  });
}

function startWharf(dataDir, port) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("WHARF_"))),
    WHARF_DATA_DIR: dataDir,
    WHARF_PORT: String(port),
    WHARF_ORIGIN: `http://localhost:${port}`,
    WHARF_SECRET_KEY: randomBytes(32).toString("hex"),
    WHARF_LOG_LEVEL: LOG_LEVEL,
  };
  const child = spawn(process.execPath, [MAIN, "serve"], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b) => (stderr = (stderr + b).slice(-8192)));
  const base = `http://127.0.0.1:${port}`;
  const ready = async () => {
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) fail(`wharf serve exited with ${child.exitCode}:\n${stderr}`);
      if (
        await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
    fail(`wharf serve was not ready within 20 s:\n${stderr}`);
  };
  const cli = (args, input = "") =>
    execFileSync(process.execPath, [MAIN, ...args], {
      env: { ...env, WHARF_LOG_LEVEL: "warn" },
      input,
      timeout: 30_000,
    }).toString();
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
  };
  return { base, ready, cli, stop };
}

async function main() {
  if (!existsSync(MAIN)) fail("dist/main.js is missing: run `npm run build` (npm run bench:npm does)");
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
  } catch (e) {
    if (e.code === "ENOENT") fail("wrk is not installed: apt-get install -y wrk");
  }
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-npm-"));
  const wharf = startWharf(dataDir, await freePort());
  const ceilings = [];
  try {
    await wharf.ready();
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
    const token = wharf.cli(["token", "create", "--user", "bench"]).trim();
    const started = Date.now();
    await publish(wharf.base, token, "1.0.0");
    for (let i = 1; i < VERSIONS; i += 4) {
      await Promise.all(
        [0, 1, 2, 3]
          .filter((k) => i + k < VERSIONS)
          // The last version carries a 100 KiB incompressible payload: a mid-sized real tarball.
          .map((k) =>
            publish(
              wharf.base,
              token,
              `1.${i + k}.0`,
              i + k === VERSIONS - 1 ? randomBytes(100 * 1024) : undefined,
            ),
          ),
      );
    }
    console.log(
      `Published ${VERSIONS} versions of ${NAME} in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );

    const url = `${wharf.base}/npm/${NAME}`;
    const full = await capture(url, { accept: "application/json" });
    const doc = JSON.parse(full.body.toString("utf8"));
    if (Object.keys(doc.versions).length !== VERSIONS)
      fail(`the packument lists ${Object.keys(doc.versions).length} versions`);
    const last = doc.versions[doc["dist-tags"].latest];
    const tgz = `${wharf.base}${new URL(last.dist.tarball).pathname}`;
    const abbrevSample = await capture(url, { accept: INSTALL_ACCEPT });
    const rows = [
      ["full packument", url, { accept: "application/json" }],
      ["full packument, gzip", url, { accept: "application/json", "accept-encoding": "gzip" }],
      ["abbreviated packument", url, { accept: INSTALL_ACCEPT }],
      ["abbreviated packument, gzip", url, { accept: INSTALL_ACCEPT, "accept-encoding": "gzip" }],
      [
        "abbreviated, If-None-Match (304)",
        url,
        { accept: INSTALL_ACCEPT, "if-none-match": abbrevSample.headers.etag },
      ],
      [`tarball (${(last.dist.unpackedSize / 1024).toFixed(0)} KiB unpacked)`, tgz, {}],
    ];
    console.log(
      `wrk ${WRK.join(" ")} on loopback, best of ${ROUNDS} alternating rounds; Wharf at WHARF_LOG_LEVEL=${LOG_LEVEL}.`,
    );
    const results = [];
    const only = process.env.BENCH_ONLY;
    for (const [label, target, headers] of rows.filter(([l]) => !only || l.includes(only))) {
      const sample = await capture(target, headers);
      if (sample.status !== 200 && sample.status !== 304) fail(`${label}: ${sample.status}`);
      const bare = await ceiling(sample);
      ceilings.push(bare);
      const urls = { wharf: target, bare: bare.url + new URL(target).pathname };
      await wrk(urls.wharf, headers, 1);
      await wrk(urls.bare, headers, 1);
      const runs = { wharf: [], bare: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of ["wharf", "bare"]) runs[side].push(await wrk(urls[side], headers));
      }
      await bare.close();
      const best = (list) => list.reduce((a, b) => (b.rps > a.rps ? b : a));
      results.push({ label, bytes: sample.body.length, w: best(runs.wharf), c: best(runs.bare) });
      const each = (list) => list.map((r) => r.rps.toFixed(0)).join(", ");
      console.log(`  ${label}: Wharf ${each(runs.wharf)} req/s; bare ${each(runs.bare)} req/s`);
    }
    const table = [
      ["endpoint", "bytes", "Wharf req/s", "Wharf p99", "bare node:http req/s", "bare p99", "Wharf / bare"],
      ...results.map(({ label, bytes, w, c }) => [
        label,
        String(bytes),
        w.rps.toFixed(0),
        `${w.p99.toFixed(2)} ms`,
        c.rps.toFixed(0),
        `${c.p99.toFixed(2)} ms`,
        `${((100 * w.rps) / c.rps).toFixed(0)}%`,
      ]),
    ];
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    const line = (r) =>
      `| ${r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(" | ")} |`;
    console.log(`\n${line(table[0])}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
    for (const r of table.slice(1)) console.log(line(r));
  } finally {
    for (const c of ceilings) await c.close().catch(() => undefined);
    await wharf.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench:npm: ${e instanceof BenchError ? e.message : (e?.stack ?? String(e))}`);
  process.exitCode = 1;
});
