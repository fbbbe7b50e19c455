import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel } from "../../src/packages/archives/test-fixtures.js";
import { basicAuth, twineForm } from "../../src/test-support/index.js";
import { backends, serverCpu, type Target, target } from "../hostile/support.js";
import { ensureBuilt } from "./support/index.js";
import { createToken } from "./support/pypi.js";

// Issue 12, item 2: /legacy/ decides who may upload as soon as the form fields before the file have
// arrived, so a token restricted to another project cannot make the server spool, hash and inspect a
// large file it will refuse anyway. Measured on a real server over a socket, as bounded work: the
// server's CPU for the refused upload against the CPU for the same upload accepted, never wall-clock.

const TIMEOUT = 300_000;
const MB = 1024 * 1024;
let dir: string;
let wheel: string;
let sha256: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "wharf-early-"));
  // Random bytes do not compress: the wheel on disk is about 50 MB, and inspecting it reads all of it.
  wheel = await buildWheel(dir, {
    name: "big",
    version: "1.0",
    members: { "big/blob.bin": randomBytes(50 * MB) },
  });
  const h = createHash("sha256");
  for await (const chunk of createReadStream(wheel)) h.update(chunk as Buffer);
  sha256 = h.digest("hex");
}, TIMEOUT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The body twine sends, streamed from disk: the fields, then the file, never the whole body in memory. */
function streamedUpload(t: Target, token: string, sent: { done?: Promise<void> }, signal: AbortSignal) {
  const boundary = `----wharf${randomBytes(8).toString("hex")}`;
  const fields: Record<string, string> = {
    ":action": "file_upload",
    protocol_version: "1",
    metadata_version: "2.1",
    name: "big",
    version: "1.0",
    filetype: "bdist_wheel",
    pyversion: "py3",
    sha256_digest: sha256,
  };
  const head = `${Object.entries(fields)
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join(
      "",
    )}--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="big-1.0-py3-none-any.whl"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  let finished: () => void = () => {};
  sent.done = new Promise((r) => {
    finished = r;
  });
  // Says when the body stream ended or was cancelled.
  async function* body() {
    try {
      yield Buffer.from(head);
      yield* createReadStream(wheel, { highWaterMark: MB });
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    } finally {
      finished();
    }
  }
  return fetch(`${t.server.url}/legacy/`, {
    method: "POST",
    headers: {
      authorization: basicAuth("__token__", token),
      "content-type": `multipart/form-data; boundary=${boundary}`,
    },
    body: Readable.toWeb(Readable.from(body())) as ReadableStream,
    duplex: "half",
    signal,
  } as RequestInit);
}

/**
 * Sends the 50 MB upload with `token` while watching the spool folder; returns every spool file seen,
 * the bytes the client got to send, and the server CPU until the body stream ended (so work the
 * server does after answering, such as draining the rest of the body, is counted too).
 */
async function watched(t: Target, token: string) {
  const spool = join(t.server.dataDir, "tmp", "uploads");
  const seen = new Set<string>();
  const look = () => {
    if (existsSync(spool)) for (const f of readdirSync(spool)) seen.add(f);
  };
  const timer = setInterval(look, 2);
  const sent: { done?: Promise<void> } = {};
  let status = 0;
  let reason = "";
  let text = "";
  try {
    const ms = await serverCpu(t.server, async () => {
      const abort = new AbortController();
      try {
        const res = await streamedUpload(t, token, sent, abort.signal);
        [status, reason, text] = [res.status, res.statusText, await res.text()];
      } catch (e) {
        text = String(e);
      }
      // A server that answers early leaves the rest of the body unsent: the client gives up on it
      // (as twine does when the connection closes), which ends the body stream.
      abort.abort();
      await Promise.race([sent.done, new Promise((r) => setTimeout(r, 10_000).unref())]);
    });
    look();
    return { ms, status, reason, text, seen: [...seen] };
  } finally {
    clearInterval(timer);
  }
}

describe.each(backends())("early refusal of /legacy/ uploads on %s", (backend) => {
  it(
    "refuses a 50 MB upload with a token for another project before spooling, hashing or inspecting it",
    async () => {
      const t = await target(backend);
      try {
        // The maintainer owns 'big' and 'other'; the restricted token may upload only to 'other'.
        for (const name of ["big", "other"]) {
          const small = await buildWheel(dir, { name, version: "0.1" });
          const { payload, headers } = await twineForm(small, { name, version: "0.1" });
          const first = await fetch(`${t.server.url}/legacy/`, {
            method: "POST",
            headers: { ...headers, authorization: basicAuth("__token__", t.user.token) },
            body: new Uint8Array(payload),
          });
          expect(first.status, await first.text()).toBe(200);
        }
        const onlyOther = await createToken(t.server, t.user.username, { projects: ["other"] });
        expect(statSync(wheel).size).toBeGreaterThan(50 * MB);

        const refused = await watched(t, onlyOther);
        const accepted = await watched(t, t.user.token);
        console.log(
          `[${backend}] 50 MB upload refused: ${refused.ms} ms server CPU, spool files ${refused.seen.length} ` +
            `(${refused.status} "${refused.reason}"); accepted: ${accepted.ms} ms, spool files ` +
            `${accepted.seen.length}; ratio ${(refused.ms / accepted.ms).toFixed(3)}`,
        );

        expect(refused.status, refused.text).toBe(403);
        // twine shows only the reason phrase: it must say why.
        expect(refused.reason).toMatch(/not scoped to project 'big'/);
        expect(refused.seen).toEqual([]);
        expect(accepted.status, accepted.text).toBe(200);
        // The watcher does see a spool file when the server spools: the empty list above means something.
        expect(accepted.seen.length).toBeGreaterThan(0);
        // Both read the whole body (the refusal reads and drops the rest so twine hears the reason); the
        // accepted upload also writes, hashes and inspects it. On a quiet machine the refusal costs ~0.2 of
        // the acceptance, under CI's load up to ~0.3 (CPU ticks are 10 ms); a refusal that spooled or
        // hashed would be near 1. Half leaves room for the load and still catches that.
        expect(refused.ms).toBeLessThan(accepted.ms * 0.5);
      } finally {
        await t.stop();
      }
    },
    TIMEOUT,
  );
});
