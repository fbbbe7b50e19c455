// Re-render benchmark (issue 15 item 2): `npm run bench:render` (builds dist/ first).
//
// What a write costs the next read. For npm packages of 50 / 500 / 5,000 versions and PyPI projects of
// 50 / 500 / 1,000 releases (two files each), it appends one version over HTTP (npm publish, twine's
// upload) and times the first read of one response after it, one response kind per append: the full
// and abbreviated packument, identity and gzip; /simple/<name>/ JSON and HTML and /pypi/<name>/json.
// Meanwhile a second client asks `/npm/-/ping` back to back: the longest it waited is how long the
// event loop was blocked (every other request waits that long too). min / median / max over the appends.
// After each first read the same read is made again (nothing changed: the kept bytes are sent), so the
// difference between the two is what the append cost the read, apart from sending the body.
//
// Set-up is fast: the first version of each package goes through the real publish; the rest are copies
// of its rows inserted through the domain layer (dist/packages) into the server's SQLite file, each
// with its own README, the way a long history looks.
//
// Settings (environment): BENCH_APPENDS (appends per response kind, default 5), BENCH_NPM_SIZES
// (default 50,500,5000), BENCH_PYPI_SIZES (default 50,500,1000), BENCH_PROFILE=1 runs the server under
// `node --cpu-prof` and prints the functions with the most self time, BENCH_PROFILE_DIR keeps the profile.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, transaction } from "../dist/db/index.js";
import { findProject, insertFile, insertRelease, listReleases } from "../dist/packages/index.js";
import { BenchError, benchToken, fail, freePort, MAIN, startWharf } from "./lib.mjs";
import { npmPublish, pyWheel } from "./packages.mjs";

const APPENDS = Number(process.env.BENCH_APPENDS ?? 5);
const sizes = (v, d) => (v ?? d).split(",").filter(Boolean).map(Number);
const NPM_SIZES = sizes(process.env.BENCH_NPM_SIZES, "50,500,5000");
const PYPI_SIZES = sizes(process.env.BENCH_PYPI_SIZES, "50,500,1000");
const PROFILE = process.env.BENCH_PROFILE === "1";
const INSTALL_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
const PIP_ACCEPT =
  "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.1, text/html;q=0.01";
const README = `# bench\n\n${"Some documentation, as long as a real package's README. ".repeat(80)}\n`;

// ---- npm --------------------------------------------------------------------------------------------

/** A version manifest of realistic size (~2.5 KB, like a popular package's), as bench/npm.mjs. */
function npmManifest(name, version) {
  const deps = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`dep-${i}`, `^${i + 1}.2.3`]));
  return {
    name,
    version,
    description: "A package with a long history, to measure what one more version costs the next read.",
    main: "index.js",
    keywords: ["bench", "registry", "npm", "wharf", "packument", "performance"],
    author: { name: "Bench Author", url: "https://example.test/" },
    license: "MIT",
    repository: { type: "git", url: `git+https://example.test/bench/${name}.git` },
    bugs: { url: `https://example.test/bench/${name}/issues` },
    homepage: `https://example.test/bench/${name}#readme`,
    engines: { node: ">=18" },
    scripts: { test: "node test.js", build: "node build.js", lint: "eslint ." },
    dependencies: deps,
    devDependencies: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`dev-tool-${i}`, `~${i}.0.0`])),
    contributors: Array.from({ length: 6 }, (_, i) => ({
      name: `Contributor ${i}`,
      url: `https://e.test/${i}`,
    })),
    files: ["index.js", "lib/", "README.md"],
  };
}

const publishVersion = (base, token, name, version) =>
  npmPublish(base, token, npmManifest(name, version), { readme: README });

// ---- PyPI -------------------------------------------------------------------------------------------

const PYPI_FIELDS = {
  summary: "A project with a long history.",
  author: "Bench Author",
  license: "MIT",
  requires_python: ">=3.9",
  description_content_type: "text/markdown",
};
const CLASSIFIERS = ["Programming Language :: Python :: 3", "License :: OSI Approved :: MIT License"];
const REQUIRES = ["requests>=2", "attrs>=22"];

/** The wheel's METADATA says what the upload form says (the server compares them). */
const metadataFile = (project, version) =>
  [
    "Metadata-Version: 2.1",
    `Name: ${project}`,
    `Version: ${version}`,
    `Summary: ${PYPI_FIELDS.summary}`,
    `Author: ${PYPI_FIELDS.author}`,
    `License: ${PYPI_FIELDS.license}`,
    `Requires-Python: ${PYPI_FIELDS.requires_python}`,
    ...CLASSIFIERS.map((c) => `Classifier: ${c}`),
    ...REQUIRES.map((r) => `Requires-Dist: ${r}`),
    `Description-Content-Type: ${PYPI_FIELDS.description_content_type}`,
    "",
    README,
  ].join("\n");

const wheel = (project, version) => pyWheel(project, version, { metadata: metadataFile(project, version) });

async function pypiUpload(base, token, project, version) {
  const file = await wheel(project, version);
  const form = new FormData();
  const fields = {
    ":action": "file_upload",
    protocol_version: "1",
    metadata_version: "2.1",
    name: project,
    version,
    filetype: "bdist_wheel",
    pyversion: "py3",
    ...PYPI_FIELDS,
    description: README,
    sha256_digest: createHash("sha256").update(file.bytes).digest("hex"),
  };
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const c of CLASSIFIERS) form.append("classifiers", c);
  for (const r of REQUIRES) form.append("requires_dist", r);
  form.append("content", new Blob([file.bytes]), file.filename);
  const res = await fetch(`${base}/legacy/`, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from(`__token__:${token}`).toString("base64")}` },
    body: form,
  });
  if (res.status !== 200) fail(`upload of ${file.filename}: ${res.status} ${res.statusText}`);
}

// ---- history through the domain layer ---------------------------------------------------------------

/**
 * Copies the package's one published release `count - 1` times (new version, new file names and
 * hashes), in one transaction: a long history in seconds instead of hours of publishes.
 */
async function growHistory(db, ecosystem, name, count, filesPerRelease, versionOf) {
  const project = await findProject(db, ecosystem, name);
  if (!project) fail(`${name} was not created`);
  const [first] = await listReleases(db, project.id);
  const template = first.files[0];
  const now = Date.now() - count * 60_000;
  await transaction(db, async (tx) => {
    for (let i = 1; i < count; i++) {
      const version = versionOf(i);
      const metadata = structuredClone(first.metadata);
      if (ecosystem === "npm") {
        metadata.version = version;
        metadata._id = `${name}@${version}`;
      }
      const release = await insertRelease(tx, now + i * 60_000, {
        projectId: project.id,
        version,
        canonicalVersion: version,
        requiresPython: first.requiresPython,
        summary: first.summary,
        description: `${first.description}\nVersion ${version}.\n`,
        descriptionContentType: first.descriptionContentType,
        metadata,
      });
      for (let f = 0; f < filesPerRelease; f++) {
        const sha256 = randomBytes(32).toString("hex");
        const filename =
          ecosystem === "npm"
            ? `${name}-${version}.tgz`
            : f === 0
              ? `${name.replace(/-/g, "_")}-${version}-py3-none-any.whl`
              : `${name.replace(/-/g, "_")}-${version}.tar.gz`;
        await insertFile(tx, now + i * 60_000, {
          ...template,
          projectId: project.id,
          releaseId: release.id,
          uploadedBy: null,
          filename,
          packagetype: f === 0 ? template.packagetype : "sdist",
          sha256,
          blake2b256: randomBytes(32).toString("hex"),
          md5: randomBytes(16).toString("hex"),
          blobKey: `${ecosystem}/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}/${filename}`,
        });
      }
    }
  });
}

// ---- measuring --------------------------------------------------------------------------------------

/** Asks a trivial route back to back until stopped: the longest answer is the longest event-loop stall. */
function stallProbe(base) {
  let running = true;
  let worst = 0;
  const done = (async () => {
    while (running) {
      const t = performance.now();
      await fetch(`${base}/npm/-/ping`).then((r) => r.arrayBuffer());
      worst = Math.max(worst, performance.now() - t);
    }
  })();
  return async () => {
    running = false;
    await done;
    return worst;
  };
}

/**
 * One GET through node:http, the body as sent: fetch() would add Accept-Encoding and decompress, so
 * the identity rows would measure gzip.
 */
function get(url, headers) {
  return new Promise((resolve, reject) => {
    request(url, { headers, agent }, (res) => {
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
const agent = new Agent({ keepAlive: true });

async function timedRead(base, url, headers) {
  const stop = stallProbe(base);
  await new Promise((r) => setTimeout(r, 5));
  const t = performance.now();
  const res = await get(url, headers);
  const ms = performance.now() - t;
  const stall = await stop();
  if (res.status !== 200) fail(`${url}: ${res.status}`);
  if ((res.headers["content-encoding"] === "gzip") !== (headers["accept-encoding"] === "gzip"))
    fail(`${url}: content-encoding ${res.headers["content-encoding"]} for ${JSON.stringify(headers)}`);
  return { ms, stall, bytes: res.body.length };
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1) };
};

async function measure(base, label, size, variants, append) {
  const rows = [];
  // Steady state before the first append: every response kind rendered and cached once.
  for (const v of variants) await get(v.url, v.headers);
  for (const v of variants) {
    const runs = [];
    const again = [];
    const writes = [];
    for (let i = 0; i < APPENDS; i++) {
      const w = performance.now();
      await append();
      writes.push(performance.now() - w);
      runs.push(await timedRead(base, v.url, v.headers));
      // The same read once more, with nothing changed: what sending the kept bytes costs, so that the
      // difference is what the append cost the first read.
      again.push(await timedRead(base, v.url, v.headers));
    }
    const t = stats(runs.map((r) => r.ms));
    const s = stats(runs.map((r) => r.stall));
    const c = stats(again.map((r) => r.ms));
    const w = stats(writes);
    rows.push({ label, size, variant: v.name, bytes: runs.at(-1).bytes, t, s, c, w });
    const f = (x) => x.toFixed(1);
    console.log(
      `  ${label} ${size} ${v.name}: first read ${f(t.min)} / ${f(t.median)} / ${f(t.max)} ms, ` +
        `stall ${f(s.min)} / ${f(s.median)} / ${f(s.max)} ms, same read again ${f(c.min)} / ${f(c.median)} / ${f(c.max)} ms, ` +
        `the append itself ${f(w.min)} / ${f(w.median)} / ${f(w.max)} ms, ` +
        `${runs.at(-1).bytes} bytes`,
    );
  }
  return rows;
}

// ---- the profile --------------------------------------------------------------------------------------

/** Self time per function (name and file:line), as a share of all non-idle samples. */
function hotFunctions(dir, top = 15) {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) return console.log("(no .cpuprofile was written)");
  const prof = JSON.parse(readFileSync(join(dir, file), "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  let total = 0;
  prof.samples.forEach((id, i) => {
    const n = byId.get(id);
    const cf = n.callFrame;
    if (cf.functionName === "(idle)" || cf.functionName === "(program)") return;
    const where = cf.url ? `${cf.url.replace(/^.*\/(dist|node_modules)\//, "$1/")}:${cf.lineNumber + 1}` : "";
    const key = `${cf.functionName || "(anonymous)"} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
    total += dt[i] ?? 0;
  });
  console.log(`\nServer CPU profile: ${(total / 1e6).toFixed(1)} s busy; top self time:`);
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`,
    );
}

// ---- main -----------------------------------------------------------------------------------------------

async function main() {
  try {
    readFileSync(MAIN);
  } catch {
    fail("dist/main.js is missing: run `npm run build` (npm run bench:render does)");
  }
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-render-"));
  const profDir = process.env.BENCH_PROFILE_DIR ?? mkdtempSync(join(tmpdir(), "wharf-bench-render-prof-"));
  if (PROFILE) {
    mkdirSync(profDir, { recursive: true });
    process.env.BENCH_NODE_ARGS = `${process.env.BENCH_NODE_ARGS ?? ""} --cpu-prof --cpu-prof-dir=${profDir}`;
  }
  const wharf = startWharf(dataDir, await freePort(), { WHARF_LOG_LEVEL: "warn" });
  const handle = openDatabase(`sqlite:${join(dataDir, "wharf.db")}`);
  const before = loadavg();
  const rows = [];
  try {
    await wharf.ready();
    const token = benchToken(wharf);
    const base = wharf.base;
    for (const size of NPM_SIZES) {
      const name = `bench-npm-${size}`;
      const t = Date.now();
      await publishVersion(base, token, name, "1.0.0");
      await growHistory(handle.db, "npm", name, size, 1, (i) => `1.${i}.0`);
      console.log(`npm ${name}: ${size} versions in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      let next = 0;
      const url = `${base}/npm/${name}`;
      rows.push(
        ...(await measure(
          base,
          "npm",
          size,
          [
            { name: "full packument", url, headers: { accept: "application/json" } },
            {
              name: "full packument, gzip",
              url,
              headers: { accept: "application/json", "accept-encoding": "gzip" },
            },
            { name: "abbreviated", url, headers: { accept: INSTALL_ACCEPT } },
            {
              name: "abbreviated, gzip",
              url,
              headers: { accept: INSTALL_ACCEPT, "accept-encoding": "gzip" },
            },
          ],
          () => publishVersion(base, token, name, `2.${next++}.0`),
        )),
      );
    }
    for (const size of PYPI_SIZES) {
      const name = `bench-pypi-${size}`;
      const t = Date.now();
      await pypiUpload(base, token, name, "1.0.0");
      await growHistory(handle.db, "pypi", name, size, 2, (i) => `1.${i}.0`);
      console.log(`PyPI ${name}: ${size} releases in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      let next = 0;
      const simple = `${base}/simple/${name}/`;
      const json = `${base}/pypi/${name}/json`;
      rows.push(
        ...(await measure(
          base,
          "PyPI",
          size,
          [
            { name: "/simple/ JSON", url: simple, headers: { accept: PIP_ACCEPT } },
            {
              name: "/simple/ JSON, gzip",
              url: simple,
              headers: { accept: PIP_ACCEPT, "accept-encoding": "gzip" },
            },
            { name: "/simple/ HTML", url: simple, headers: { accept: "text/html" } },
            { name: "/pypi/<name>/json", url: json, headers: {} },
            { name: "/pypi/<name>/json, gzip", url: json, headers: { "accept-encoding": "gzip" } },
          ],
          () => pypiUpload(base, token, name, `2.${next++}.0`),
        )),
      );
    }
  } finally {
    await handle.close();
    await wharf.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const after = loadavg();
  const f = (x) => x.toFixed(1);
  console.log(
    `\nFirst read after appending one version, ${APPENDS} appends per row, min / median / max; load average ` +
      `${before.map((x) => x.toFixed(2)).join(" ")} before, ${after.map((x) => x.toFixed(2)).join(" ")} after.\n`,
  );
  console.log(
    "| ecosystem | versions | response | bytes | first read (ms) | event-loop stall (ms) | same read again (ms) | the append (ms) |",
  );
  console.log("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
  const m = (x) => `${f(x.min)} / ${f(x.median)} / ${f(x.max)}`;
  for (const r of rows)
    console.log(
      `| ${r.label} | ${r.size} | ${r.variant} | ${r.bytes} | ${m(r.t)} | ${m(r.s)} | ${m(r.c)} | ${m(r.w)} |`,
    );
  if (PROFILE) hotFunctions(profDir);
  if (!process.env.BENCH_PROFILE_DIR) rmSync(profDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(`bench:render: ${e instanceof BenchError ? e.message : (e?.stack ?? String(e))}`);
  process.exitCode = 1;
});
