import { randomBytes } from "node:crypto";
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
import { npmPublish } from "./packages.mjs";

const NAME = "bench-package";
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? (SHORT ? 5 : 500));
const INSTALL_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";

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

const publish = (base, token, version, payload) =>
  npmPublish(base, token, manifest(version), {
    payload,
    readme: `# ${NAME}\n\n${"Some documentation. ".repeat(100)}\n`,
  });

async function main() {
  checkPrerequisites("bench:npm");
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-npm-"));
  const wharf = startWharf(dataDir, await freePort());
  try {
    await wharf.ready();
    const token = benchToken(wharf);
    const started = Date.now();
    await publish(wharf.base, token, "1.0.0");
    // Two at a time: the most archive inspections one user may have running (packages/inspections.ts).
    for (let i = 1; i < VERSIONS; i += 2) {
      await Promise.all(
        [0, 1]
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
      [`one version's manifest (/<name>/<version>)`, `${url}/${last.version}`, {}],
      [`tarball (${(last.dist.unpackedSize / 1024).toFixed(0)} KiB unpacked)`, tgz, {}],
    ];
    console.log(
      `wrk ${WRK.join(" ")} on loopback, best of ${ROUNDS} alternating rounds; Wharf at WHARF_LOG_LEVEL=${LOG_LEVEL}.`,
    );
    await compareWithCeiling(withToken(rows, `Bearer ${token}`), [200, 304], wharf.pid);
  } finally {
    await wharf.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench:npm: ${e instanceof BenchError ? e.message : (e?.stack ?? String(e))}`);
  process.exitCode = 1;
});
