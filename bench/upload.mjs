// Big uploads (issue 15, item 1): a twine upload of a large wheel and an npm publish of a large tarball,
// each beside its ceiling, a bare node:http server in a process of its own (upload-ceiling.mjs) that
// reads the same request body, hashes it (sha256) and writes it to the same disk. While each upload
// runs, a second client keeps asking Wharf for /simple/ to show whether other requests are still
// served; Wharf's RSS is sampled from /proc.
//
//   npm run bench:upload                      (500 MB wheel, 100 MB npm tarball, 2 rounds)
//   BENCH_UPLOAD_MB=50 BENCH_NPM_MB=10 BENCH_ROUNDS=1 npm run bench:upload   (the short mode)
//   BENCH_BASELINE=/tmp/main-build/dist/main.js npm run bench:upload   (also main's build, same rounds)
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { request } from "node:http";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import yazl from "yazl";
import {
  BenchError,
  benchToken,
  checkPrerequisites,
  fail,
  freePort,
  ROOT,
  ROUNDS,
  SHORT,
  startWharf,
} from "./lib.mjs";

const MB = 1024 * 1024;
const WHEEL_MB = Number(process.env.BENCH_UPLOAD_MB ?? (SHORT ? 4 : 500));
const NPM_MB = Number(process.env.BENCH_NPM_MB ?? (SHORT ? 2 : 100));
const PROJECT = "bench-upload";
const CHUNK = randomBytes(MB);

/** `size` bytes of incompressible data (one random MiB, each copy stamped with its index). */
function payload(size) {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const n = Math.min(MB, size - sent);
      const c = Buffer.from(CHUNK.subarray(0, n));
      c.writeUInt32BE(sent / MB, 0);
      sent += n;
      this.push(c);
    },
  });
}

async function sha256Of(stream) {
  const h = createHash("sha256");
  for await (const c of stream) h.update(c);
  return h.digest("base64url");
}

/** A py3-none-any wheel with one stored (uncompressed) payload member, written to `path`. */
async function writeWheel(path, version, size) {
  const dist = PROJECT.replace(/-/g, "_");
  const info = `${dist}-${version}.dist-info`;
  const small = [
    [`${info}/METADATA`, Buffer.from(`Metadata-Version: 2.1\nName: ${PROJECT}\nVersion: ${version}\n`)],
    [
      `${info}/WHEEL`,
      Buffer.from("Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ],
  ];
  const digest = (b) => `sha256=${createHash("sha256").update(b).digest("base64url")}`;
  const lines = [`${dist}/payload.bin,sha256=${await sha256Of(payload(size))},${size}`];
  for (const [p, b] of small) lines.push(`${p},${digest(b)},${b.length}`);
  const zip = new yazl.ZipFile();
  zip.addReadStream(payload(size), `${dist}/payload.bin`, { compress: false, size });
  for (const [name, data] of small) zip.addBuffer(data, name);
  zip.addBuffer(Buffer.from(`${lines.join("\n")}\n${info}/RECORD,,\n`), `${info}/RECORD`);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
  return `${dist}-${version}-py3-none-any.whl`;
}

/** The multipart body twine sends, streamed from the file on disk. */
function twineBody(path, filename, version, sha256) {
  const boundary = `bench${randomBytes(8).toString("hex")}`;
  const fields = {
    ":action": "file_upload",
    protocol_version: "1",
    metadata_version: "2.1",
    name: PROJECT,
    version,
    filetype: "bdist_wheel",
    pyversion: "py3",
    sha256_digest: sha256,
  };
  let head = "";
  for (const [k, v] of Object.entries(fields))
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  head += `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${filename}"\r\n`;
  head += "Content-Type: application/octet-stream\r\n\r\n";
  const tail = `\r\n--${boundary}--\r\n`;
  const length = Buffer.byteLength(head) + statSync(path).size + Buffer.byteLength(tail);
  const body = () => {
    const out = new PassThrough();
    out.write(head);
    createReadStream(path, { highWaterMark: MB })
      .on("end", () => out.end(tail))
      .pipe(out, { end: false });
    return out;
  };
  return { body, length, type: `multipart/form-data; boundary=${boundary}` };
}

/** An npm publish body (the JSON npm sends: manifest plus the base64 tarball) for a tarball of `size`. */
async function npmBody(version, size) {
  const pack = tar.pack();
  const manifest = { name: PROJECT, version, description: "bench" };
  pack.entry({ name: "package/package.json" }, JSON.stringify(manifest));
  const entry = pack.entry({ name: "package/payload.bin", size });
  const gz = [];
  const gzip = createGzip({ level: 1 });
  gzip.on("data", (c) => gz.push(c));
  const done = new Promise((r) => gzip.on("end", r));
  pack.pipe(gzip);
  await pipeline(payload(size), entry);
  pack.finalize();
  await done;
  const tgz = Buffer.concat(gz);
  const integrity = `sha512-${createHash("sha512").update(tgz).digest("base64")}`;
  const shasum = createHash("sha1").update(tgz).digest("hex");
  const json = Buffer.from(
    JSON.stringify({
      _id: PROJECT,
      name: PROJECT,
      "dist-tags": { latest: version },
      versions: {
        [version]: {
          ...manifest,
          _id: `${PROJECT}@${version}`,
          dist: { integrity, shasum, tarball: `http://x/${PROJECT}-${version}.tgz` },
        },
      },
      _attachments: {
        [`${PROJECT}-${version}.tgz`]: {
          content_type: "application/octet-stream",
          data: tgz.toString("base64"),
          length: tgz.length,
        },
      },
    }),
  );
  return {
    body: () => Readable.from([json]),
    length: json.length,
    type: "application/json",
    tgz: tgz.length,
  };
}

/**
 * Sends one request body and waits for the whole answer. `afterBody`: ms from the last body byte handed
 * to the socket to the end of the answer (what the server did once it had the body: an npm tarball's
 * inspection, the database writes), an upper bound since the kernel may still hold some bytes.
 */
function send(url, method, headers, body, length) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    // A connection of its own: Node 20's global agent keeps sockets alive, and reusing one just as the
    // server's keep-alive timeout (5 s) closes it was an ECONNRESET every few runs.
    const req = request(
      url,
      { method, agent: false, headers: { ...headers, "content-length": length } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode,
            reason: res.statusMessage,
            body: Buffer.concat(chunks),
            afterBody: sent ? performance.now() - sent : Number.NaN,
          }),
        );
      },
    );
    req.on("finish", () => {
      sent = performance.now();
    });
    req.on("error", reject);
    body.pipe(req);
  });
}

/**
 * The ceiling (bench/upload-ceiling.mjs) in a child process: with the bench's own event loop, which
 * sends every body, it shared one thread with the client and its speed swung with the machine.
 */
async function startCeiling(dir) {
  const child = spawn(process.execPath, [join(ROOT, "bench", "upload-ceiling.mjs"), dir], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      if (out.includes("\n")) resolve(Number(out.trim()));
    });
    child.on("exit", (code) => reject(new BenchError(`the upload ceiling exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid,
    close: () =>
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        child.on("exit", () => r());
        child.stdin.end();
      }),
  };
}

/** User plus system CPU seconds of the process (both of Wharf's threads): the figure noise cannot inflate. */
const cpuOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** A `process.cpuUsage()` difference in seconds (the bench's own CPU: the client that sends the bodies). */
const secondsOf = (u) => (u.user + u.system) / 1e6;

/** One body sent to the ceiling: its wall time, the ceiling's CPU and the client's (seconds). */
async function onCeiling(ceiling, work) {
  const t = performance.now();
  const cpu0 = cpuOf(ceiling.pid);
  const client0 = process.cpuUsage();
  await work();
  return {
    bare: (performance.now() - t) / 1000,
    bareCpu: cpuOf(ceiling.pid) - cpu0,
    bareClient: secondsOf(process.cpuUsage(client0)),
  };
}

/** CPU seconds per thread of the process (tid → seconds, with the thread's name), from /proc. */
const threadsOf = (pid) => {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.split(") ")[1].split(" ");
      out.set(tid, { name, cpu: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
};

/** The busiest threads over a run: "main 1.2 s, node 0.9 s, …" (the main thread's tid is the pid). */
const threadSplit = (pid, before, after) =>
  [...after]
    .map(([tid, t]) => ({
      tid,
      name: tid === String(pid) ? "main" : t.name,
      cpu: t.cpu - (before.get(tid)?.cpu ?? 0),
    }))
    .filter((t) => t.cpu >= 0.05)
    .sort((a, b) => b.cpu - a.cpu)
    .slice(0, 5)
    .map((t) => `${t.name} ${t.cpu.toFixed(1)} s`)
    .join(", ");

const rssOf = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
};

/** Runs `work` while sampling RSS and timing GET /simple/ one request after another. */
async function observed(wharf, work) {
  const before = rssOf(wharf.pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(wharf.pid));
  }, 50);
  const latencies = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      const t = performance.now();
      await fetch(`${wharf.base}/simple/`).then((r) => r.arrayBuffer());
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  const cpu0 = cpuOf(wharf.pid);
  const client0 = process.cpuUsage();
  const threads0 = threadsOf(wharf.pid);
  try {
    const res = await work();
    const cpu = cpuOf(wharf.pid) - cpu0;
    const client = secondsOf(process.cpuUsage(client0));
    const threads = threadSplit(wharf.pid, threads0, threadsOf(wharf.pid));
    const seconds = (performance.now() - t0) / 1000;
    return { res, seconds, cpu, client, threads, growth: peak - before, latencies };
  } finally {
    running = false;
    clearInterval(sampler);
    await prober;
  }
}

const ms = (list, q) => {
  if (!list.length) return "—";
  const s = [...list].sort((a, b) => a - b);
  return `${s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(0)} ms`;
};

/** What each upload must be hashed with (below), and what the npm tarball's JSON body decodes to. */
const TWINE_DIGESTS = ["md5", "blake2b256", "sha256"];
const NPM_DIGESTS = ["sha512", "sha1", "sha256"];

/**
 * The digests each upload needs, timed on one thread of this machine (ms of CPU per MiB): the part of
 * Wharf's work that no design removes. PyPI's upload is known by md5, BLAKE2b-256 and sha256 (twine sends
 * them; the JSON API shows them), an npm publish by sha512 (`integrity`), sha1 (`shasum`) and sha256 (the
 * blob store's key); the ceiling computes sha256 alone.
 */
async function digestCosts() {
  const { createBLAKE2b } = await import("hash-wasm");
  const mib = SHORT ? 8 : 64;
  const data = Buffer.alloc(mib * MB);
  for (let i = 0; i < mib; i++) CHUNK.copy(data, i * MB);
  const time = (make) => {
    const h = make();
    const t = process.cpuUsage();
    for (let i = 0; i < mib; i++) h.update(data.subarray(i * MB, (i + 1) * MB));
    h.digest("hex");
    return (secondsOf(process.cpuUsage(t)) * 1000) / mib;
  };
  const cost = {};
  for (const a of ["sha256", "md5", "sha512", "sha1"]) cost[a] = time(() => createHash(a));
  const blake = await createBLAKE2b(256);
  cost.blake2b256 = time(() => blake.init());
  return cost;
}

/**
 * `BENCH_BASELINE=/path/to/other/dist/main.js` also runs that build (say, main's) against the same
 * bodies in the same rounds, right after this one: before/after on the same disk at the same load.
 */
const BASELINE = process.env.BENCH_BASELINE;

async function startServer(dir, name, main) {
  const port = await freePort();
  const wharf = startWharf(
    join(dir, `data-${name}`),
    port,
    { WHARF_UPLOAD_LIMIT_MB: String(Math.max(WHEEL_MB, NPM_MB * 2) + 16) },
    main,
  );
  await wharf.ready();
  const token = benchToken(wharf);
  return { name, wharf, token };
}

async function main() {
  checkPrerequisites("bench:upload");
  const dir = mkdtempSync(join(tmpdir(), "wharf-bench-upload-"));
  const ceilingServer = await startCeiling(dir);
  const servers = [];
  const rows = [];
  try {
    servers.push(await startServer(dir, "this build"));
    if (BASELINE) servers.push(await startServer(dir, "baseline", BASELINE));
    console.log(
      `load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    const tag = (server, label) => (BASELINE ? `${label} (${server.name})` : label);
    // Round -1 warms up with small files (it starts the digest workers, a one-off cost reported apart).
    for (let round = -1; round < ROUNDS; round++) {
      const warm = round < 0;
      // Each build goes first in every other round: the one that goes second shares the machine with
      // whatever the first is still doing after its answer (measured: ~10 points of ratio for twine).
      const order = round % 2 === 1 ? [...servers].reverse() : servers;
      const version = warm ? "0.0.1" : `1.0.${round}`;
      const wheelPath = join(dir, "upload.whl");
      const filename = await writeWheel(wheelPath, version, warm ? MB : WHEEL_MB * MB);
      const wheelBytes = statSync(wheelPath).size;
      const sha = createHash("sha256");
      for await (const c of createReadStream(wheelPath)) sha.update(c);
      const form = twineBody(wheelPath, filename, version, sha.digest("hex"));
      const headers = { "content-type": form.type };
      const ceiling = await onCeiling(ceilingServer, () =>
        send(ceilingServer.url, "POST", headers, form.body(), form.length),
      );
      for (const server of order) {
        const auth = {
          authorization: `Basic ${Buffer.from(`__token__:${server.token}`).toString("base64")}`,
        };
        const w = await observed(server.wharf, () =>
          send(`${server.wharf.base}/legacy/`, "POST", { ...headers, ...auth }, form.body(), form.length),
        );
        if (w.res.status !== 200)
          fail(`twine-style upload (${server.name}): ${w.res.status} ${w.res.reason}`);
        if (!warm)
          rows.push({
            label: tag(server, `twine upload, ${(wheelBytes / MB).toFixed(0)} MiB wheel`),
            bytes: wheelBytes,
            hashed: wheelBytes,
            digests: TWINE_DIGESTS,
            ...ceiling,
            ...w,
          });
      }
      rmSync(wheelPath, { force: true });

      const npm = await npmBody(version, warm ? MB : NPM_MB * MB);
      const npmCeiling = await onCeiling(ceilingServer, () =>
        send(ceilingServer.url, "PUT", { "content-type": npm.type }, npm.body(), npm.length),
      );
      for (const server of order) {
        const npmHeaders = { "content-type": npm.type, authorization: `Bearer ${server.token}` };
        const wn = await observed(server.wharf, () =>
          send(`${server.wharf.base}/npm/${PROJECT}`, "PUT", npmHeaders, npm.body(), npm.length),
        );
        if (wn.res.status !== 200 && wn.res.status !== 201)
          fail(`npm publish (${server.name}): ${wn.res.status} ${wn.res.body.toString().slice(0, 300)}`);
        if (!warm)
          rows.push({
            label: tag(
              server,
              `npm publish, ${(npm.tgz / MB).toFixed(0)} MiB tarball (${(npm.length / MB).toFixed(0)} MiB JSON)`,
            ),
            bytes: npm.length,
            hashed: npm.tgz,
            digests: NPM_DIGESTS,
            ...npmCeiling,
            ...wn,
          });
      }
    }
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}\n`,
    );
    // The best ratio this machine allows: Wharf cannot answer before the required digests and the
    // client's own sending have had their CPU, shared over the cores, however the work is split.
    const c = await digestCosts();
    /** ms of CPU per MiB for a set of digests on this machine. */
    const costOf = (algs) => algs.reduce((t, a) => t + c[a], 0);
    const cores = availableParallelism();
    const bound = (r) => {
      const floor = ((r.hashed / MB) * costOf(r.digests)) / 1000;
      return `${((100 * r.bare) / ((floor + r.client) / cores)).toFixed(0)}%`;
    };
    const table = [
      [
        "upload",
        "Wharf MB/s",
        "ceiling MB/s",
        "Wharf / ceiling",
        "Wharf CPU",
        "ceiling CPU",
        "cores busy, Wharf / ceiling",
        "best possible (digests + client)",
        "after the body",
        "RSS growth",
        "/simple/ p50 / max meanwhile",
      ],
      ...rows.map((r) => [
        r.label,
        (r.bytes / 1e6 / r.seconds).toFixed(0),
        (r.bytes / 1e6 / r.bare).toFixed(0),
        `${((100 * r.bare) / r.seconds).toFixed(0)}%`,
        `${r.cpu.toFixed(1)} s`,
        `${r.bareCpu.toFixed(1)} s`,
        `${((r.cpu + r.client) / r.seconds).toFixed(1)} / ${((r.bareCpu + r.bareClient) / r.bare).toFixed(1)} of ${cores}`,
        bound(r),
        `${r.res.afterBody.toFixed(0)} ms`,
        `${(r.growth / MB).toFixed(0)} MiB`,
        `${ms(r.latencies, 0.5)} / ${ms(r.latencies, 1)} (${r.latencies.length} requests)`,
      ]),
    ];
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    const line = (r) =>
      `| ${r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(" | ")} |`;
    console.log(`${line(table[0])}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
    for (const r of table.slice(1)) console.log(line(r));
    const sum = (algs) => costOf(algs).toFixed(2);
    console.log(
      `\nDigests on one thread of this machine (ms of CPU per MiB): twine's md5 ${c.md5.toFixed(2)} + BLAKE2b-256 ${c.blake2b256.toFixed(2)} + sha256 ${c.sha256.toFixed(2)} = ${sum(TWINE_DIGESTS)}; npm's sha512 ${c.sha512.toFixed(2)} + sha1 ${c.sha1.toFixed(2)} + sha256 = ${sum(NPM_DIGESTS)}; the ceiling's sha256 alone ${c.sha256.toFixed(2)}.`,
    );
    // Where the CPU went, per thread (the main thread and the digest workers; "node" threads are
    // worker threads, "libuv-worker" the file system pool).
    console.log("\nCPU per thread:");
    for (const r of rows) console.log(`- ${r.label}: ${r.threads}`);
  } finally {
    await ceilingServer.close();
    for (const s of servers) await s.wharf.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof BenchError ? `bench failed: ${e.message}` : e);
  process.exit(1);
});
