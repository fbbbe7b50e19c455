import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { basicAuth } from "../../src/test-support/index.js";
import { ensureBuilt } from "../e2e/support/index.js";
import { withDatabase } from "../e2e/support/pypi.js";
import { startWharf, type WharfServer } from "../e2e/support/server.js";
import { checkConsistency } from "./consistency.js";
import {
  distName,
  multipartBody,
  npmPublishDoc,
  tgzOf,
  twineFieldsFor,
  wheelEntries,
  zipOf,
} from "./fuzz-build.js";
import { rawRequest } from "./raw-http.js";
import { campaignSeed, type Rng, rngFor } from "./seeded.js";
import { backends, FULL, printTable, record, scale, target } from "./support.js";

/**
 * The server process SIGKILLed in the middle of large uploads (twine's multipart, streamed slowly) and
 * npm publishes, or just after the last byte (while it checks and commits), then restarted on the same
 * data dir and database (issue 13). After each restart, checked from outside: every file row has its
 * blob with the recorded size and sha256, no blob lacks a row, no temporary file survived; then the
 * same upload is retried and must succeed (or be the duplicate of an attempt that had committed).
 */
const KILLS = scale(3, 20);
const SEED = campaignSeed();
const FILE_MB = 4;
const TIMEOUT = FULL ? 1_800_000 : 240_000;

afterAll(() => printTable(`SIGKILL during uploads and publishes (seed ${SEED})`));

interface Upload {
  kind: "twine" | "npm";
  filename: string;
  head: string;
  body: Buffer;
}

function twineUpload(rng: Rng, token: string, version: string): Upload {
  const name = "killpkg";
  const entries = wheelEntries(name, version);
  // Incompressible bytes, stored: the file is as large on the wire as on disk.
  entries.push({ name: `${distName(name)}/data.bin`, data: rng.bytes(FILE_MB * 1024 * 1024) });
  const file = zipOf(entries);
  const filename = `${distName(name)}-${version}-py3-none-any.whl`;
  const b = `----kill${rng.int(1e9)}`;
  const fields = twineFieldsFor(name, version, filename, file);
  const body = multipartBody(
    [
      ...fields.map(([n, data]) => ({ name: n, data })),
      { name: "content", filename, type: "application/octet-stream", data: file },
    ],
    b,
  );
  const head =
    `POST /legacy/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: ${basicAuth("__token__", token)}\r\n` +
    `Content-Type: multipart/form-data; boundary=${b}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return { kind: "twine", filename, head, body };
}

function npmPublish(rng: Rng, token: string, version: string): Upload {
  const name = "kill-npm";
  const tarball = tgzOf([
    { name: "package/package.json", data: JSON.stringify({ name, version }) },
    { name: "package/data.bin", data: rng.bytes(FILE_MB * 1024 * 1024) },
  ]);
  const doc = npmPublishDoc(name, version, tarball);
  const body = Buffer.from(JSON.stringify(doc));
  const head =
    `PUT /npm/${name} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  return { kind: "npm", filename: `${name}@${version}.tgz`, head, body };
}

/**
 * Streams the upload in 64 KiB chunks with a pause between them and SIGKILLs the server once `killAt`
 * bytes are out (killAt = body length: after the last byte, `afterMs` later). Returns the status the
 * server answered before dying, if it did.
 */
function sendAndKill(server: WharfServer, u: Upload, killAt: number, afterMs: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: server.port });
    let answer = "";
    let dead: Promise<unknown> | undefined;
    // Always ends with the server dead: an answer that came before the planned kill (the upload won
    // the race) must not leave the old process holding the port and data dir while the next one starts.
    const kill = () => {
      dead ??= server.kill();
      return dead;
    };
    socket.on("data", (b: Buffer) => (answer += b.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", async () => {
      await kill();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0));
    });
    socket.on("connect", async () => {
      socket.write(u.head);
      const CHUNK = 64 * 1024;
      for (let sent = 0; sent < u.body.length; sent += CHUNK) {
        if (sent >= killAt) {
          await kill();
          return socket.destroy();
        }
        if (socket.destroyed) return;
        socket.write(u.body.subarray(sent, sent + CHUNK));
        await new Promise((r) => setTimeout(r, 4));
      }
      setTimeout(async () => {
        await kill();
        socket.destroy();
      }, afterMs);
    });
  });
}

async function fileRowExists(server: WharfServer, filename: string): Promise<boolean> {
  return withDatabase(server, async (db) =>
    Boolean(await db.selectFrom("files").select("id").where("filename", "=", filename).executeTakeFirst()),
  );
}

describe.each(backends())("SIGKILL during uploads on %s", (backend) => {
  it(
    `keeps rows and blobs consistent over ${KILLS} kills, and the retry succeeds (seed ${SEED})`,
    async () => {
      await ensureBuilt();
      const t = await target(backend);
      let server = t.server;
      const rng = rngFor(SEED, `sigkill ${backend}`);
      const problems: string[] = [];
      let retriesOk = 0;
      let committedBeforeKill = 0;
      try {
        for (let k = 1; k <= KILLS; k++) {
          const u =
            k % 2 ? twineUpload(rng, t.user.token, `1.0.${k}`) : npmPublish(rng, t.user.token, `1.0.${k}`);
          // Mostly in the middle of the body; one in three after the last byte, while the server checks
          // the archive and commits.
          const late = rng.chance(1 / 3);
          const killAt = late
            ? u.body.length
            : rng.between(Math.floor(u.body.length * 0.05), Math.floor(u.body.length * 0.98));
          const status = await sendAndKill(server, u, killAt, late ? rng.between(0, 400) : 0);
          server = await startWharf(server.env, { dataDir: server.dataDir, port: server.port });
          const after = await checkConsistency(server);
          for (const p of after.problems)
            problems.push(`kill ${k} (${u.kind}, ${late ? "after the body" : `at byte ${killAt}`}): ${p}`);
          const committed = await fileRowExists(server, u.filename);
          if (committed) committedBeforeKill++;
          const retry = await rawRequest(server.port, {
            method: u.kind === "twine" ? "POST" : "PUT",
            path: u.kind === "twine" ? "/legacy/" : "/npm/kill-npm",
            headers: u.head
              .split("\r\n")
              .slice(1)
              .filter((l) => l && !/^(host|connection):/i.test(l))
              .map((l): [string, string] => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
            body: u.body,
            timeoutMs: 60_000,
          });
          const ok = retry.status >= 200 && retry.status < 300;
          if (ok || (committed && retry.status >= 400 && retry.status < 500)) retriesOk++;
          else
            problems.push(
              `kill ${k} (${u.kind}): retry answered ${retry.status || retry.error} ${retry.reason} (answer before the kill: ${status})`,
            );
          if (!(await fileRowExists(server, u.filename)))
            problems.push(`kill ${k}: ${u.filename} is not stored after the retry`);
          for (const p of (await checkConsistency(server)).problems)
            problems.push(`kill ${k}, after the retry: ${p}`);
        }
        const row = record({
          case: "SIGKILL mid-upload/publish, restart, retry",
          backend,
          tried: KILLS,
          outcome: `${problems.length} inconsistencies, ${retriesOk}/${KILLS} retries ok (${committedBeforeKill} had committed)`,
          goal: "0",
          held: problems.length === 0 && retriesOk === KILLS,
        });
        expect(problems).toEqual([]);
        expect(row.held).toBe(true);
      } finally {
        await server.stop();
        await t.stop();
      }
    },
    TIMEOUT,
  );
});
