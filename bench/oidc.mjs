// Trusted publishing's token exchange (issue 16): what an OIDC exchange costs with a warm JWKS cache,
// as a ratio to a plain token-authenticated request (`npm whoami` with an API token), for npm's
// exchange (POST /-/npm/v1/oidc/token/exchange/package/<name>) and PyPI's (POST /_/oidc/mint-token).
// A small OIDC issuer runs in this process (discovery + JWKS on loopback, RS256 via jose); every
// exchange presents a fresh token (its own jti), as each CI job does. Requests are sequential on one
// keep-alive connection, so the figures are latencies, not throughput; CPU per request is the server
// process's utime + stime from /proc/<pid>/stat over the measured requests.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { BenchError, benchToken, checkPrerequisites, fail, freePort, startWharf } from "./lib.mjs";

const N = Number(process.env.BENCH_OIDC_REQUESTS ?? 300);
const WARM = 30;
const NAME = "bench-oidc-widget";
const TICK_MS = 1000 / Number(process.env.BENCH_CLK_TCK ?? 100);

/** The issuer: discovery, a JWKS with one RS256 key, and a signer for GitHub-shaped ID tokens. */
async function startIssuer() {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const hits = { discovery: 0, jwks: 0 };
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const server = createServer((req, res) => {
    const send = (body) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/.well-known/openid-configuration") {
      hits.discovery++;
      return send({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ["RS256"] });
    }
    if (req.url === "/jwks") {
      hits.jwks++;
      return send({ keys: [jwk] });
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  const ref = "refs/heads/main";
  const wf = `acme/widget/.github/workflows/release.yml@${ref}`;
  const mint = (audience) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      repository: "acme/widget",
      repository_id: "1001",
      repository_owner: "acme",
      repository_owner_id: "2001",
      workflow_ref: wf,
      job_workflow_ref: wf,
      ref,
      sha: "0123456789abcdef0123456789abcdef01234567",
      run_id: "4242",
      run_attempt: "1",
      event_name: "push",
      sub: `repo:acme/widget:ref:${ref}`,
      iss: issuer,
      aud: audience,
      iat: now,
      nbf: now,
      exp: now + 300,
      jti: randomUUID(),
    })
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .sign(privateKey);
  };
  return { issuer, hits, mint, close: () => new Promise((r) => server.close(r)) };
}

/** Projects and publishers, written into the server's own SQLite database with Wharf's functions. */
async function configure(dataDir, issuer) {
  const { openDatabase } = await import("../dist/db/index.js");
  const { insertProject } = await import("../dist/packages/index.js");
  const { addPublisher } = await import("../dist/trusted-publishing/index.js");
  const handle = openDatabase(`sqlite:${join(dataDir, "wharf.db")}`);
  try {
    const user = await handle.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", "bench")
      .executeTakeFirst();
    if (!user) fail("the bench account is missing");
    for (const ecosystem of ["npm", "pypi"]) {
      const now = Date.now();
      const p = await insertProject(handle.db, now, {
        ecosystem,
        name: NAME,
        normalizedName: NAME,
        ultranormalizedName: NAME.replace(/[-_.]/g, ""),
      });
      await handle.db
        .insertInto("roles")
        .values({ project_id: p.id, user_id: user.id, role: "owner", created_at: now })
        .execute();
      await addPublisher(
        handle.db,
        now,
        {},
        {
          projectId: p.id,
          provider: "github",
          issuer,
          repository: "acme/widget",
          workflow: "release.yml",
          createdBy: user.id,
        },
      );
    }
  } finally {
    await handle.close();
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function call(base, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(`${base}${path}`, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          body: Buffer.concat(chunks).toString(),
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

function cpuTicks(pid) {
  // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Runs `once` WARM times, then N times measuring latency and the server's CPU. */
async function measure(label, pid, prepare, once, ok) {
  for (let i = 0; i < WARM; i++) {
    const r = await once(await prepare());
    if (r.status !== ok) fail(`${label}: ${r.status} ${r.body}`);
  }
  const inputs = [];
  for (let i = 0; i < N; i++) inputs.push(await prepare());
  const times = [];
  const before = cpuTicks(pid);
  for (const input of inputs) {
    const r = await once(input);
    if (r.status !== ok) fail(`${label}: ${r.status} ${r.body}`);
    times.push(r.ms);
  }
  const cpu = ((cpuTicks(pid) - before) * TICK_MS) / N;
  times.sort((a, b) => a - b);
  return { label, min: times[0], median: pct(times, 50), p99: pct(times, 99), cpu };
}

async function main() {
  checkPrerequisites("bench:oidc");
  const issuer = await startIssuer();
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-oidc-"));
  const port = await freePort();
  const wharf = startWharf(dataDir, port, { WHARF_OIDC_PROVIDERS: `github=${issuer.issuer}` });
  try {
    await wharf.ready();
    const token = benchToken(wharf);
    await configure(dataDir, issuer.issuer);
    const host = new URL(`http://localhost:${port}`).hostname;
    const base = wharf.base;
    const results = [];
    results.push(
      await measure(
        "npm whoami, API token (baseline)",
        wharf.pid,
        async () => null,
        () => call(base, "GET", "/npm/-/whoami", { authorization: `Bearer ${token}` }),
        200,
      ),
    );
    results.push(
      await measure(
        "npm OIDC exchange",
        wharf.pid,
        () => issuer.mint(`npm:${host}`),
        (jwt) =>
          call(base, "POST", `/-/npm/v1/oidc/token/exchange/package/${NAME}`, {
            authorization: `Bearer ${jwt}`,
          }),
        201,
      ),
    );
    results.push(
      await measure(
        "PyPI mint-token",
        wharf.pid,
        () => issuer.mint(`pypi:${host}`),
        (jwt) =>
          call(
            base,
            "POST",
            "/_/oidc/mint-token",
            { "content-type": "application/json" },
            JSON.stringify({ token: jwt }),
          ),
        200,
      ),
    );
    const baseline = results[0];
    const rows = [
      ["request", "min", "median", "p99", "median / baseline", "CPU per request", "CPU / baseline"],
      ...results.map((r) => [
        r.label,
        `${r.min.toFixed(2)} ms`,
        `${r.median.toFixed(2)} ms`,
        `${r.p99.toFixed(2)} ms`,
        `${(r.median / baseline.median).toFixed(1)}×`,
        `${r.cpu.toFixed(2)} ms`,
        `${(r.cpu / baseline.cpu).toFixed(1)}×`,
      ]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r) =>
      `| ${r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(" | ")} |`;
    console.log(
      `\n${N} sequential requests each after ${WARM} warm-up, one keep-alive connection; every exchange with a fresh jti.`,
    );
    console.log(`${line(rows[0])}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
    for (const r of rows.slice(1)) console.log(line(r));
    // Warm cache: discovery and the JWKS fetched once for all the exchanges above.
    console.log(
      `\nissuer hits: discovery ${issuer.hits.discovery}, JWKS ${issuer.hits.jwks} for ${2 * (N + WARM)} exchanges`,
    );
    console.log(
      `load average (1, 5, 15 min) after the run: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(", ")}`,
    );
  } finally {
    agent.destroy();
    await wharf.stop();
    await issuer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof BenchError ? e.message : e);
  process.exitCode = 1;
});
