import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BenchError,
  benchToken,
  capture,
  checkPrerequisites,
  compareWithCeiling,
  fail,
  freePort,
  LOG_LEVEL,
  ROUNDS,
  SHORT,
  startWharf,
  WRK,
  withToken,
} from "./lib.mjs";
import { pyWheel } from "./packages.mjs";

const PROJECT = "bench-project";
const FILES = SHORT ? 5 : 300;
const PIP_ACCEPT =
  "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.1, text/html;q=0.01";

const wheel = (version, payload) => pyWheel(PROJECT, version, { payload });

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

async function main() {
  checkPrerequisites("bench:pypi");
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-"));
  const wharf = startWharf(dataDir, await freePort());
  try {
    await wharf.ready();
    const token = benchToken(wharf);
    const started = Date.now();
    // The first upload creates the project; the rest go two at a time, the most archive inspections one
    // user may have running (packages/inspections.ts).
    await upload(wharf.base, token, "1.0.0", await wheel("1.0.0"));
    for (let i = 1; i < FILES; i += 2) {
      await Promise.all(
        [0, 1]
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
    const small = page.files.at(-2);
    const bigUrl = new URL(big.url, index).toString();
    const smallUrl = new URL(small.url, index).toString();
    const json = `${wharf.base}/pypi/${PROJECT}/json`;
    const smallSize = (await capture(smallUrl, {})).body.length;
    const rows = [
      ["/simple/<name>/ JSON", index, { accept: PIP_ACCEPT }],
      ["/simple/<name>/ JSON, gzip", index, { accept: PIP_ACCEPT, "accept-encoding": "gzip" }],
      ["/simple/<name>/ HTML", index, { accept: "text/html" }],
      ["/simple/<name>/ HTML, gzip", index, { accept: "text/html", "accept-encoding": "gzip" }],
      ["/pypi/<name>/json", json, {}],
      ["/pypi/<name>/json, gzip", json, { "accept-encoding": "gzip" }],
      [`${(smallSize / 1024).toFixed(1)} KiB wheel (/files/...)`, smallUrl, {}],
      ["wheel .metadata (PEP 658)", `${smallUrl}.metadata`, {}],
      ["1 MiB wheel (/files/...)", bigUrl, {}],
    ];
    const authed = withToken(rows, `Basic ${Buffer.from(`__token__:${token}`).toString("base64")}`);
    // Where the big wheel's bytes sit in the filesystem blob store (the URL path is its blob key).
    const bigOnDisk = join(dataDir, "blobs", decodeURIComponent(new URL(bigUrl).pathname.slice(7)));
    authed.push(["1 MiB wheel vs bare streaming from disk", bigUrl, {}, bigOnDisk]);
    console.log(
      `wrk ${WRK.join(" ")} on loopback, best of ${ROUNDS} alternating rounds; Wharf at ` +
        `WHARF_LOG_LEVEL=${LOG_LEVEL}. wrk, not autocannon: ` +
        "autocannon decodes every body in JavaScript and saturates a core before the server does (DESIGN.md).",
    );
    await compareWithCeiling(authed, [200], wharf.pid);
  } finally {
    await wharf.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench:pypi: ${e instanceof BenchError ? e.message : (e?.stack ?? String(e))}`);
  process.exitCode = 1;
});
