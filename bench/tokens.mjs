import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BenchError,
  benchToken,
  checkPrerequisites,
  compareWithCeiling,
  freePort,
  LOG_LEVEL,
  ROUNDS,
  SHORT,
  startWharf,
  WRK,
} from "./lib.mjs";
import { npmPublish } from "./packages.mjs";

const NAME = "bench-token-package";
const INSTALL_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";

const publish = (base, token) =>
  npmPublish(base, token, {
    name: NAME,
    version: "1.0.0",
    description: "token path benchmark",
    license: "MIT",
  });

async function measure(cacheSeconds) {
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-tokens-"));
  const wharf = startWharf(dataDir, await freePort(), { WHARF_TOKEN_CACHE_SECONDS: String(cacheSeconds) });
  try {
    await wharf.ready();
    const token = benchToken(wharf);
    await publish(wharf.base, token);
    const url = `${wharf.base}/npm/${NAME}`;
    const bearer = { authorization: `Bearer ${token}` };
    console.log(`\nWHARF_TOKEN_CACHE_SECONDS=${cacheSeconds}`);
    const results = await compareWithCeiling(
      [
        ["abbreviated packument, anonymous", url, { accept: INSTALL_ACCEPT }],
        ["abbreviated packument, token", url, { accept: INSTALL_ACCEPT, ...bearer }],
        ["npm whoami, token", `${wharf.base}/npm/-/whoami`, bearer],
      ],
      [200],
      wharf.pid,
    );
    const rps = Object.fromEntries(results.map((r) => [r.label, r.w.rps]));
    const ratio = rps["abbreviated packument, anonymous"] / rps["abbreviated packument, token"];
    console.log(`token-authenticated read costs ${ratio.toFixed(2)}× the anonymous one (req/s ratio)`);
    return ratio;
  } finally {
    await wharf.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * CPU per request in one process (process.cpuUsage over N in-process requests): on a shared machine
 * wrk's req/s moves with other load; CPU time spent per request does much less.
 */
async function cpuPerRequest(cacheSeconds, n = SHORT ? 100 : 3000) {
  const { buildApp } = await import("../dist/app.js");
  const { loadConfig } = await import("../dist/config.js");
  const { registerUser } = await import("../dist/accounts/index.js");
  const { insertToken } = await import("../dist/tokens/store.js");
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-tokens-cpu-"));
  const config = loadConfig({ WHARF_DATA_DIR: dataDir, WHARF_LOG_LEVEL: "silent" });
  const { app, deps } = await buildApp(
    { ...config, tokenCacheMs: cacheSeconds * 1000, secretKey: "bench-secret-key-0123456789-abcdefghijkl" },
    { logger: { level: "silent" } },
  );
  try {
    const user = await registerUser(
      deps,
      { ip: "127.0.0.1" },
      {
        username: "bench",
        email: "bench@example.test",
        password: "bench password for wharf 1",
        verified: true,
      },
      { viaOperator: true },
    );
    const { token } = await insertToken(deps.db, Date.now(), {
      userId: user.id,
      name: "bench",
      projectIds: null,
      expiresAt: null,
      issuedBy: "user",
    });
    const base = `http://127.0.0.1`;
    await app.listen({ host: "127.0.0.1", port: 0 });
    const port = app.server.address().port;
    await publish(`${base}:${port}`, token);
    const url = `/npm/${NAME}`;
    const run = async (headers) => {
      for (let i = 0; i < (SHORT ? 10 : 300); i++) await app.inject({ url, headers });
      const before = process.cpuUsage();
      for (let i = 0; i < n; i++) await app.inject({ url, headers });
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000 / n;
    };
    const anon = await run({ accept: INSTALL_ACCEPT });
    const withToken = await run({ accept: INSTALL_ACCEPT, authorization: `Bearer ${token}` });
    return { anon, withToken };
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  checkPrerequisites("bench:tokens");
  console.log(
    `In-process CPU per abbreviated-packument request (ms), ${SHORT ? "100 requests after 10" : "3,000 requests after 300"} warm-up:`,
  );
  for (const secs of SHORT ? [15] : [0, 15]) {
    const { anon, withToken } = await cpuPerRequest(secs);
    console.log(
      `  WHARF_TOKEN_CACHE_SECONDS=${secs}: anonymous ${anon.toFixed(3)}, token ${withToken.toFixed(3)} (${(withToken / anon).toFixed(2)}×)`,
    );
  }
  console.log(
    `wrk ${WRK.join(" ")} on loopback, best of ${ROUNDS} alternating rounds; Wharf at WHARF_LOG_LEVEL=${LOG_LEVEL}.`,
  );
  // The short mode (CI: the harness, never a number) runs the cache-on server only: the same code as
  // cache-off with another setting, and each server costs a start-up, a token and a publish.
  if (SHORT) return void (await measure(15));
  const before = await measure(0);
  const after = await measure(15);
  console.log(
    `\nAnonymous ÷ token req/s: cache off ${before.toFixed(2)}×, cache on ${after.toFixed(2)}× (1.00× = a token costs nothing extra).`,
  );
}

main().catch((e) => {
  console.error(`bench:tokens: ${e instanceof BenchError ? e.message : (e?.stack ?? String(e))}`);
  process.exitCode = 1;
});
