import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { basicAuth } from "../../src/test-support/index.js";
import { ensureBuilt } from "../e2e/support/index.js";
import { signInWeb } from "../e2e/support/pypi.js";
import {
  distName,
  multipartBody,
  npmPublishDoc,
  tgzOf,
  twineFieldsFor,
  wheelEntries,
  zipOf,
} from "./fuzz-build.js";
import { campaignSeed, type Rng, rngFor } from "./seeded.js";
import { backends, printTable, record, scale, type Target, target } from "./support.js";

/**
 * Mixed traffic at a steady rate for minutes (issue 13): uploads and publishes, installs through
 * /simple/ and /files/, npm packuments and tarballs, sign-ins, page views and requests that earn a 4xx.
 * Every answer must be the expected one (no 5xx, no reset), and the server's resident memory and open
 * file descriptors must stay flat: after a warm-up, the median of the last third of the samples within
 * max(15%, 32 MiB) of the first third's for RSS, and within +10 for descriptors.
 */
const SECONDS = scale(40, 300);
const RATE = 40; // requests started per second
const MAX_IN_FLIGHT = 16;
const SAMPLE_MS = 2_000;
const WARMUP = 0.15; // share of the run ignored while caches and pools fill
const SEED = campaignSeed();
const TIMEOUT = (SECONDS + 120) * 1000;

afterAll(() => printTable(`Soak: ${SECONDS} s of mixed traffic (seed ${SEED})`));

/**
 * RSS, open descriptors, and how many of those are sockets. Sockets are judged apart: the client keeps
 * up to MAX_IN_FLIGHT keep-alive connections, and on a loaded machine (seen at load 5+) its pool grows
 * mid-run, a step of +12 descriptors that is not a leak.
 */
function sample(pid: number): { rssMiB: number; fds: number; sockets: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  let fds = 0;
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = "";
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed between the listing and the look
    }
    if (target.startsWith("socket:")) sockets += 1;
    else fds += 1;
  }
  return { rssMiB: kb / 1024, fds, sockets };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : Number.NaN;
};

function wheelUpload(t: Target, name: string, version: string) {
  const file = zipOf(wheelEntries(name, version));
  const filename = `${distName(name)}-${version}-py3-none-any.whl`;
  const b = `----soak${version}`;
  const fields = twineFieldsFor(name, version, filename, file);
  const body = multipartBody(
    [...fields.map(([n, data]) => ({ name: n, data })), { name: "content", filename, data: file }],
    b,
  );
  return fetch(`${t.server.url}/legacy/`, {
    method: "POST",
    headers: {
      authorization: basicAuth("__token__", t.user.token),
      "content-type": `multipart/form-data; boundary=${b}`,
    },
    body: new Uint8Array(body),
  });
}

function npmPublish(t: Target, name: string, version: string, bad = false) {
  const tarball = tgzOf([{ name: "package/package.json", data: JSON.stringify({ name, version }) }]);
  const doc = npmPublishDoc(name, version, tarball, { name, version }, bad ? { shasum: "0".repeat(40) } : {});
  return fetch(`${t.server.url}/npm/${name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${t.user.token}`, "content-type": "application/json" },
    body: JSON.stringify(doc),
  });
}

type Kind = [string, number, (t: Target, rng: Rng, n: number) => Promise<Response>, number[]];

const PY = ["soak-a", "soak-b", "soak-c"];
const NPM = ["soak-x", "soak-y"];
let fileUrls: string[] = [];
let tarballUrls: string[] = [];

// One account sends every upload here, up to 16 requests in flight: when a loaded machine makes three of
// its uploads overlap, the per-account cap on uploads being inspected at once (packages/inspections.ts)
// answers 429 with a message that says to wait. That is the documented limit working, not an error
// (found when the short soak ran beside other suites at load 18); twine and npm upload one at a time.
const KINDS: Kind[] = [
  ["pypi upload", 2, (t, rng, n) => wheelUpload(t, rng.pick(PY), `2.0.${n}`), [200, 429]],
  ["npm publish", 2, (t, rng, n) => npmPublish(t, rng.pick(NPM), `2.0.${n}`), [201, 429]],
  ["/simple/ index", 4, (t) => fetch(`${t.server.url}/simple/`), [200]],
  [
    "/simple/<p>/ (JSON)",
    10,
    (t, rng) =>
      fetch(`${t.server.url}/simple/${rng.pick(PY)}/`, {
        headers: { accept: "application/vnd.pypi.simple.v1+json" },
      }),
    [200],
  ],
  ["/simple/<p>/ (HTML)", 6, (t, rng) => fetch(`${t.server.url}/simple/${rng.pick(PY)}/`), [200]],
  ["/pypi/<p>/json", 4, (t, rng) => fetch(`${t.server.url}/pypi/${rng.pick(PY)}/json`), [200]],
  ["file download", 10, (_t, rng) => fetch(rng.pick(fileUrls)), [200]],
  ["npm packument", 8, (t, rng) => fetch(`${t.server.url}/npm/${rng.pick(NPM)}`), [200]],
  [
    "npm packument (abbreviated)",
    8,
    (t, rng) =>
      fetch(`${t.server.url}/npm/${rng.pick(NPM)}`, {
        headers: { accept: "application/vnd.npm.install-v1+json" },
      }),
    [200],
  ],
  ["npm tarball", 8, (_t, rng) => fetch(rng.pick(tarballUrls)), [200]],
  ["project page", 5, (t, rng) => fetch(`${t.server.url}/project/${rng.pick(PY)}/`), [200]],
  [
    "home and login pages",
    4,
    (t, rng) => fetch(`${t.server.url}${rng.pick(["/", "/account/login", "/search?q=soak"])}`),
    [200],
  ],
  [
    "web sign-in",
    1,
    async (t) => {
      await signInWeb(t.server, t.user.username, t.user.password);
      return new Response(null, { status: 204 });
    },
    [204],
  ],
  ["404: unknown project", 4, (t, rng) => fetch(`${t.server.url}/simple/nope-${rng.int(1e6)}/`), [404]],
  [
    "401: upload without a token",
    2,
    (t) => fetch(`${t.server.url}/legacy/`, { method: "POST", body: new FormData() }),
    [401],
  ],
  [
    "400: publish with a wrong shasum",
    2,
    (t, rng, n) => npmPublish(t, rng.pick(NPM), `3.0.${n}`, true),
    [400],
  ],
  ["404: unknown npm package", 2, (t, rng) => fetch(`${t.server.url}/npm/nope-${rng.int(1e6)}`), [404]],
];
const WEIGHT = KINDS.reduce((s, k) => s + k[1], 0);

function pickKind(rng: Rng): Kind {
  let r = rng.int(WEIGHT);
  for (const k of KINDS) {
    if (r < k[1]) return k;
    r -= k[1];
  }
  return KINDS[0]!;
}

describe.each(backends())("soak on %s", (backend) => {
  it(
    `serves ${SECONDS} s of mixed traffic with no errors and flat memory and descriptors (seed ${SEED})`,
    async () => {
      await ensureBuilt();
      const t = await target(backend);
      const rng = rngFor(SEED, `soak ${backend}`);
      try {
        for (const p of PY) expect((await wheelUpload(t, p, "1.0.0")).status).toBe(200);
        for (const p of NPM) expect((await npmPublish(t, p, "1.0.0")).status).toBe(201);
        fileUrls = [];
        for (const p of PY) {
          const page = (await (
            await fetch(`${t.server.url}/simple/${p}/`, {
              headers: { accept: "application/vnd.pypi.simple.v1+json" },
            })
          ).json()) as { files: Array<{ url: string }> };
          fileUrls.push(
            ...page.files.map((f) =>
              new URL(f.url, `${t.server.url}/simple/${p}/`).href.replace(t.server.origin, t.server.url),
            ),
          );
        }
        tarballUrls = [];
        for (const p of NPM) {
          const doc = (await (await fetch(`${t.server.url}/npm/${p}`)).json()) as {
            versions: Record<string, { dist: { tarball: string } }>;
          };
          tarballUrls.push(
            ...Object.values(doc.versions).map((v) => v.dist.tarball.replace(t.server.origin, t.server.url)),
          );
        }

        const samples: Array<{ at: number; rssMiB: number; fds: number; sockets: number }> = [];
        const byKind = new Map<string, { n: number; bad: number; examples: string[] }>();
        let inFlight = 0;
        let skipped = 0;
        let n = 0;
        const start = Date.now();
        const end = start + SECONDS * 1000;
        const running: Array<Promise<void>> = [];
        const sampler = setInterval(
          () => samples.push({ at: Date.now() - start, ...sample(t.server.pid) }),
          SAMPLE_MS,
        );
        try {
          while (Date.now() < end) {
            const due = start + (n * 1000) / RATE;
            if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
            n++;
            if (inFlight >= MAX_IN_FLIGHT) {
              skipped++;
              continue;
            }
            const [name, , send, expected] = pickKind(rng);
            const stat = byKind.get(name) ?? { n: 0, bad: 0, examples: [] };
            byKind.set(name, stat);
            stat.n++;
            inFlight++;
            const i = n;
            running.push(
              send(t, rng, i)
                .then(async (res) => {
                  const body = await res.text();
                  if (!expected.includes(res.status)) {
                    stat.bad++;
                    if (stat.examples.length < 3) stat.examples.push(`${res.status} ${body.slice(0, 200)}`);
                  }
                })
                .catch((e: unknown) => {
                  stat.bad++;
                  if (stat.examples.length < 3) stat.examples.push(String((e as Error).cause ?? e));
                })
                .finally(() => inFlight--),
            );
          }
          await Promise.all(running);
        } finally {
          clearInterval(sampler);
        }

        const steady = samples.filter((s) => s.at >= SECONDS * 1000 * WARMUP);
        const third = Math.max(1, Math.floor(steady.length / 3));
        const first = steady.slice(0, third);
        const last = steady.slice(-third);
        const rss0 = median(first.map((s) => s.rssMiB));
        const rss1 = median(last.map((s) => s.rssMiB));
        const fd0 = median(first.map((s) => s.fds));
        const fd1 = median(last.map((s) => s.fds));
        const rssFlat = rss1 <= Math.max(rss0 * 1.15, rss0 + 32);
        const so0 = median(first.map((s) => s.sockets));
        const so1 = median(last.map((s) => s.sockets));
        // Files, pipes and the like: +10 at most. Sockets: at most one more per request the client may
        // keep in flight; a server that leaked connections would pass that within seconds at 40 requests/s.
        const fdFlat = fd1 <= fd0 + 10 && so1 <= so0 + MAX_IN_FLIGHT;
        const errors = [...byKind.values()].reduce((s, k) => s + k.bad, 0);
        const total = [...byKind.values()].reduce((s, k) => s + k.n, 0);

        const lines = [
          `soak on ${backend}: ${total} requests in ${SECONDS} s (${skipped} ticks skipped at ${MAX_IN_FLIGHT} in flight), seed ${SEED}`,
        ];
        for (const [k, s] of byKind)
          lines.push(
            `  ${k}: ${s.n} sent, ${s.bad} unexpected${s.examples.length ? ` (${s.examples.join(" | ")})` : ""}`,
          );
        lines.push(`  RSS MiB: ${samples.map((s) => s.rssMiB.toFixed(0)).join(" ")}`);
        lines.push(`  fds (not sockets): ${samples.map((s) => s.fds).join(" ")}`);
        lines.push(`  sockets: ${samples.map((s) => s.sockets).join(" ")}`);
        lines.push(
          `  RSS median first third ${rss0.toFixed(1)} MiB, last third ${rss1.toFixed(1)} MiB; fds ${fd0} -> ${fd1}; sockets ${so0} -> ${so1}`,
        );
        console.log(lines.join("\n"));

        record({
          case: "mixed traffic: unexpected answers and resets",
          backend,
          tried: total,
          outcome: String(errors),
          goal: "0",
          held: errors === 0,
        });
        record({
          case: "RSS, median first -> last third (MiB)",
          backend,
          tried: samples.length,
          outcome: `${rss0.toFixed(0)} -> ${rss1.toFixed(0)}`,
          goal: "<= max(+15%, +32)",
          held: rssFlat,
        });
        record({
          case: "open fds, median first -> last third",
          backend,
          tried: samples.length,
          outcome: `${fd0} -> ${fd1}, sockets ${so0} -> ${so1}`,
          goal: `<= +10, sockets <= +${MAX_IN_FLIGHT}`,
          held: fdFlat,
        });
        expect(errors, lines.join("\n")).toBe(0);
        expect(rssFlat, lines.join("\n")).toBe(true);
        expect(fdFlat, lines.join("\n")).toBe(true);
      } finally {
        await t.stop();
      }
    },
    TIMEOUT,
  );
});
