// PyPI read-path benchmark: `npm run bench:pypi` (builds dist/ first).
//
// Starts Wharf (SQLite, filesystem blobs) on a temp data dir, publishes one project with 300 files
// (299 tiny wheels and one 1 MiB wheel, one per release) through the real upload API, then measures
// with wrk the simple index (PEP 691 JSON and PEP 503 HTML, with and without gzip) and a 1 MiB file
// download. Each row also runs against a bare node:http server that answers every request with the
// exact bytes and headers Wharf sent (the ceiling for this machine), and Wharf is reported as a
// percentage of it: absolute numbers drift on shared machines, the ratio much less.
//
// Settings (environment): BENCH_DURATION (wrk seconds per run, default 5), BENCH_ROUNDS (alternating
// Wharf/bare rounds per row, best counts, default 2), BENCH_LOG_LEVEL (Wharf's WHARF_LOG_LEVEL, default
// "info", the shipped default: Wharf logs every request at info), BENCH_NODE_ARGS (node flags for the
// Wharf process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_ONLY (run only the rows whose
// label contains this text, e.g. "gzip").
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import yazl from "yazl";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const MAIN = join(ROOT, "dist", "main.js");
const PROJECT = "bench-project";
const FILES = 300;
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
const WRK = ["-t2", "-c32", `-d${DURATION}s`, "--latency", "--timeout", "5s"];
const PIP_ACCEPT =
  "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.1, text/html;q=0.01";

class BenchError extends Error {}

/** Throws, so that `finally` still stops the server and removes the data dir. */
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

/** A py3-none-any wheel (PEP 427) with METADATA, WHEEL and a correct RECORD, built in memory. */
function wheel(version, payload) {
  const dist = PROJECT.replace(/-/g, "_");
  const info = `${dist}-${version}.dist-info`;
  const members = [
    [`${dist}/__init__.py`, Buffer.from(`__version__ = "${version}"\n`)],
    ...(payload ? [[`${dist}/payload.bin`, payload]] : []),
    [`${info}/METADATA`, Buffer.from(`Metadata-Version: 2.1\nName: ${PROJECT}\nVersion: ${version}\n`)],
    [
      `${info}/WHEEL`,
      Buffer.from("Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ],
  ];
  const digest = (b) => `sha256=${createHash("sha256").update(b).digest("base64url")}`;
  const record = `${members.map(([p, b]) => `${p},${digest(b)},${b.length}`).join("\n")}\n${info}/RECORD,,\n`;
  members.push([`${info}/RECORD`, Buffer.from(record)]);
  const zip = new yazl.ZipFile();
  for (const [name, data] of members) zip.addBuffer(data, name, { compress: !payload });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks = [];
    zip.outputStream.on("data", (c) => chunks.push(c));
    zip.outputStream.on("end", () =>
      resolve({ filename: `${dist}-${version}-py3-none-any.whl`, bytes: Buffer.concat(chunks) }),
    );
    zip.outputStream.on("error", reject);
  });
}

async function upload(base, token, version, file) {
  const form = new FormData();
  const fields = {
    ":action": "file_upload",
    protocol_version: "1",
    metadata_version: "2.1",
    name: PROJECT,
    version,
    filetype: "bdist_wheel",
    pyversion: "py3",
    sha256_digest: createHash("sha256").update(file.bytes).digest("hex"),
  };
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("content", new Blob([file.bytes]), file.filename);
  const res = await fetch(`${base}/legacy/`, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from(`__token__:${token}`).toString("base64")}` },
    body: form,
  });
  if (res.status !== 200) fail(`upload of ${file.filename}: ${res.status} ${res.statusText}`);
}

/** One raw response (no decompression): what the ceiling server will replay. */
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

/** A bare node:http server sending `sample`'s status, headers and body to every request. */
async function ceiling(sample, fromFile) {
  const headers = Object.fromEntries(Object.entries(sample.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
  headers["content-length"] = String(sample.body.length);
  const server = createServer((_req, res) => {
    res.writeHead(sample.status, headers);
    // The in-memory ceiling, or (a second reference for file rows) the same file streamed from disk.
    if (fromFile) createReadStream(fromFile).pipe(res);
    else res.end(sample.body);
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

/** Spawns `wharf serve`; `ready()` waits for /readyz. Its stderr is kept to explain a failure. */
function startWharf(dataDir, port) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("WHARF_"))),
    WHARF_DATA_DIR: dataDir,
    WHARF_PORT: String(port),
    WHARF_ORIGIN: `http://localhost:${port}`,
    WHARF_SECRET_KEY: randomBytes(32).toString("hex"),
    WHARF_LOG_LEVEL: LOG_LEVEL,
  };
  // The JSON request log (stdout) goes to /dev/null, as it would to a fast log shipper.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, MAIN, "serve"], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (b) => {
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
  if (!existsSync(MAIN)) fail("dist/main.js is missing: run `npm run build` (npm run bench:pypi does)");
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
  } catch (e) {
    // wrk --version exits 1 after printing its version; only a missing binary is a problem.
    if (e.code === "ENOENT") fail("wrk is not installed: apt-get install -y wrk");
  }
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-"));
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
    // The first upload creates the project; concurrent creations would race (409) by design.
    await upload(wharf.base, token, "1.0.0", await wheel("1.0.0"));
    for (let i = 1; i < FILES; i += 4) {
      await Promise.all(
        [0, 1, 2, 3]
          .filter((k) => i + k < FILES)
          .map(async (k) => {
            const n = i + k;
            const version = `1.${n}.0`;
            const file = await wheel(version, n === FILES - 1 ? randomBytes(1024 * 1024) : undefined);
            await upload(wharf.base, token, version, file);
          }),
      );
    }
    console.log(`Published ${FILES} files of ${PROJECT} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);

    const index = `${wharf.base}/simple/${PROJECT}/`;
    const page = JSON.parse((await capture(index, { accept: PIP_ACCEPT })).body.toString("utf8"));
    if (page.files.length !== FILES) fail(`the index lists ${page.files.length} files, not ${FILES}`);
    const big = page.files.at(-1);
    const rows = [
      ["/simple/<name>/ JSON", index, { accept: PIP_ACCEPT }],
      ["/simple/<name>/ JSON, gzip", index, { accept: PIP_ACCEPT, "accept-encoding": "gzip" }],
      ["/simple/<name>/ HTML", index, { accept: "text/html" }],
      ["/simple/<name>/ HTML, gzip", index, { accept: "text/html", "accept-encoding": "gzip" }],
      ["1 MiB wheel (/files/...)", new URL(big.url, index).toString(), {}],
    ];
    // Where the big wheel's bytes sit in the filesystem blob store (the URL path is its blob key).
    const bigOnDisk = join(dataDir, "blobs", decodeURIComponent(new URL(rows[4][1]).pathname.slice(7)));
    rows.push(["1 MiB wheel vs bare streaming from disk", rows[4][1], {}, bigOnDisk]);
    console.log(
      `wrk ${WRK.join(" ")} on loopback, best of ${ROUNDS} alternating rounds; Wharf at ` +
        `WHARF_LOG_LEVEL=${LOG_LEVEL}. wrk, not autocannon: ` +
        "autocannon decodes every body in JavaScript and saturates a core before the server does (DESIGN.md).",
    );
    const results = [];
    const only = process.env.BENCH_ONLY;
    for (const [label, url, headers, fromFile] of rows.filter(([l]) => !only || l.includes(only))) {
      const sample = await capture(url, headers);
      if (sample.status !== 200) fail(`${label}: ${sample.status}`);
      if (fromFile && !existsSync(fromFile)) fail(`${fromFile} is missing`);
      const bare = await ceiling(sample, fromFile);
      ceilings.push(bare);
      const path = new URL(url).pathname;
      const target = { wharf: url, bare: bare.url + path };
      // Warm-up (JIT, caches, connections), then alternating rounds; the best round of each counts,
      // since other load on the machine only ever lowers a round.
      await wrk(target.wharf, headers, 1);
      await wrk(target.bare, headers, 1);
      const runs = { wharf: [], bare: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of ["wharf", "bare"]) runs[side].push(await wrk(target[side], headers));
      }
      await bare.close();
      const best = (list) => list.reduce((a, b) => (b.rps > a.rps ? b : a));
      const [w, c] = [best(runs.wharf), best(runs.bare)];
      results.push({ label, bytes: sample.body.length, w, c });
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
  console.error(`bench:pypi: ${e instanceof BenchError ? e.message : (e?.stack ?? String(e))}`);
  process.exitCode = 1;
});
