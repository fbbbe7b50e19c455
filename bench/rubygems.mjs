// RubyGems install side against the bare node:http ceiling (same method as bench/npm.mjs and
// bench/pypi.mjs): a few gems, one with VERSIONS versions, then the compact index and a .gem download.
// The .gem files are built in memory as `gem build` lays them out, so no Ruby is needed.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
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

const NAME = "bench-gem";
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? (SHORT ? 5 : 300));
const OTHERS = ["bench-other", "bench-helper", "bench-tool"];

const requirement = (op, v, indent) =>
  `${indent}requirements:\n${indent}- - "${op}"\n${indent}  - !ruby/object:Gem::Version\n${indent}    version: '${v}'\n`;

/** The gemspec YAML `gem build` (RubyGems 3.3) writes, with a few runtime dependencies like a real gem's. */
function gemspec(name, version) {
  const deps = ["rake", "json", "rack"]
    .map(
      (d, i) =>
        `- !ruby/object:Gem::Dependency\n  name: ${d}\n  requirement: !ruby/object:Gem::Requirement\n${requirement("~>", `${i + 1}.2`, "    ")}  type: :runtime\n  prerelease: false\n  version_requirements: !ruby/object:Gem::Requirement\n${requirement("~>", `${i + 1}.2`, "    ")}`,
    )
    .join("");
  return `--- !ruby/object:Gem::Specification
name: ${name}
version: !ruby/object:Gem::Version
  version: ${version}
platform: ruby
authors:
- Bench Author
autorequire:
bindir: bin
cert_chain: []
date: 2026-12-04 00:00:00.000000000 Z
dependencies:
${deps}description: A gem pushed many times, to measure how the registry serves a big info file.
email:
executables: []
extensions: []
extra_rdoc_files: []
files:
- lib/bench.rb
homepage: https://example.test/bench-gem
licenses:
- MIT
metadata: {}
post_install_message:
rdoc_options: []
require_paths:
- lib
required_ruby_version: !ruby/object:Gem::Requirement
${requirement(">=", "2.7", "  ")}required_rubygems_version: !ruby/object:Gem::Requirement
${requirement(">=", "0", "  ")}requirements: []
rubygems_version: 3.3.15
signing_key:
specification_version: 4
summary: Bench gem
test_files: []
`;
}

async function tarOf(members) {
  const pack = tar.pack();
  for (const [name, body] of members) pack.entry({ name, size: body.length }, body);
  pack.finalize();
  const chunks = [];
  for await (const c of pack) chunks.push(c);
  return Buffer.concat(chunks);
}

/** metadata.gz + data.tar.gz + checksums.yaml.gz, as `gem build` writes them. */
async function gem(name, version, payload) {
  const metadata = gzipSync(Buffer.from(gemspec(name, version)));
  const files = [["lib/bench.rb", Buffer.from(`module Bench; VERSION = "${version}"; end\n`)]];
  if (payload) files.push(["lib/payload.bin", payload]);
  const data = gzipSync(await tarOf(files));
  const sha = (b) => createHash("sha256").update(b).digest("hex");
  const sums = `---\nSHA256:\n  metadata.gz: ${sha(metadata)}\n  data.tar.gz: ${sha(data)}\n`;
  return tarOf([
    ["metadata.gz", metadata],
    ["data.tar.gz", data],
    ["checksums.yaml.gz", gzipSync(Buffer.from(sums))],
  ]);
}

async function push(base, token, name, version, payload) {
  const res = await fetch(`${base}/rubygems/api/v1/gems`, {
    method: "POST",
    headers: { authorization: token, "content-type": "application/octet-stream" },
    body: await gem(name, version, payload),
  });
  if (res.status !== 200) fail(`push ${name} ${version}: ${res.status} ${await res.text()}`);
}

async function main() {
  checkPrerequisites("bench:rubygems");
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-rubygems-"));
  const wharf = startWharf(dataDir, await freePort());
  try {
    await wharf.ready();
    const token = benchToken(wharf);
    const started = Date.now();
    for (const other of OTHERS) await push(wharf.base, token, other, "1.0.0");
    // Two at a time: a user has at most two uploads being inspected at once.
    for (let i = 0; i < VERSIONS; i += 2) {
      await Promise.all(
        [0, 1]
          .filter((k) => i + k < VERSIONS)
          // The last version carries a 100 KiB incompressible payload: a mid-sized real gem.
          .map((k) =>
            push(
              wharf.base,
              token,
              NAME,
              `1.${i + k}.0`,
              i + k === VERSIONS - 1 ? randomBytes(100 * 1024) : undefined,
            ),
          ),
      );
    }
    console.log(
      `Pushed ${VERSIONS} versions of ${NAME} and ${OTHERS.length} other gems in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );

    const info = `${wharf.base}/rubygems/info/${NAME}`;
    const versions = `${wharf.base}/rubygems/versions`;
    const sample = await capture(info, {});
    const lines = sample.body.toString("utf8").split("\n").filter(Boolean);
    if (lines.length !== VERSIONS + 1) fail(`info/${NAME} has ${lines.length - 1} version lines`);
    const gemUrl = `${wharf.base}/rubygems/gems/${NAME}-1.${VERSIONS - 1}.0.gem`;
    const rows = [
      ["/versions", versions, {}],
      ["/versions, gzip", versions, { "accept-encoding": "gzip" }],
      ["/info/<name>", info, {}],
      ["/info/<name>, gzip", info, { "accept-encoding": "gzip" }],
      ["/info/<name>, If-None-Match (304)", info, { "if-none-match": sample.headers.etag }],
      [".gem download (~100 KiB)", gemUrl, {}],
    ];
    console.log(
      `wrk ${WRK.join(" ")} on loopback, best of ${ROUNDS} alternating rounds; Wharf at WHARF_LOG_LEVEL=${LOG_LEVEL}.`,
    );
    await compareWithCeiling(withToken(rows, token), [200, 304], wharf.pid);
  } finally {
    await wharf.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench:rubygems: ${e instanceof BenchError ? e.message : (e?.stack ?? String(e))}`);
  process.exitCode = 1;
});
