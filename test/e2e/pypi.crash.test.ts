import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel } from "../../src/packages/archives/test-fixtures.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import {
  createMaintainer,
  createToken,
  filesUnder,
  get,
  simpleJson,
  waitUntil,
  withDatabase,
} from "./support/pypi.js";
import { streamUpload, twineFields } from "./support/upload.js";

const MiB = 1024 * 1024;
const USER = "crash-maintainer";

describe("an upload interrupted by a crash (SIGKILL) of the server", () => {
  const servers: WharfServer[] = [];
  const server = () => servers.at(-1)!;
  let work = "";
  let token = "";
  const spool = () => join(server().dataDir, "tmp", "uploads");
  const blobs = () => join(server().dataDir, "blobs");

  beforeAll(async () => {
    await ensureBuilt();
    work = mkdtempSync(join(tmpdir(), "wharf-e2e-crash-"));
    servers.push(await startWharf());
    await createMaintainer(server(), USER, "crash landing on a quiet pier 7");
    token = await createToken(server(), USER);
  }, 60_000);

  afterAll(async () => {
    try {
      for (const s of servers) await s.stop();
    } finally {
      servers[0]?.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  async function crashAndRestart() {
    const before = server();
    expect(await before.kill()).toEqual({ code: null, signal: "SIGKILL" });
    servers.push(await startWharf(before.env, { dataDir: before.dataDir, port: before.port }));
  }

  /** Nothing of `project`/`filename` anywhere a client or the database could see it. */
  async function expectNoTrace(project: string, filename: string) {
    expect((await simpleJson(server().url, project)).status).toBe(404);
    expect((await get(`${server().url}/pypi/${project}/json`)).status).toBe(404);
    const root = await get(`${server().url}/simple/`, { accept: "text/html" });
    expect(root.body.toString("utf8")).not.toContain(project);
    const rows = await withDatabase(server(), async (db) => ({
      projects: await db.selectFrom("projects").selectAll().where("normalized_name", "=", project).execute(),
      files: await db.selectFrom("files").selectAll().where("filename", "=", filename).execute(),
      names: await db.selectFrom("filename_journal").selectAll().where("filename", "=", filename).execute(),
    }));
    expect(rows).toEqual({ projects: [], files: [], names: [] });
  }

  /** The name was not spent by the interrupted attempt: a complete upload of it now succeeds. */
  async function expectUploadable(name: string, version: string, filename: string) {
    const dir = mkdtempSync(join(work, "small-"));
    const bytes = readFileSync(await buildWheel(dir, { name, version, filename }));
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const upload = streamUpload({
      url: server().url,
      token,
      fields: twineFields(name, version, filename, sha256),
      filename,
      size: bytes.length,
      chunk: (offset, n) => bytes.subarray(offset, offset + n),
    });
    expect(await upload.done).toEqual({ status: 200, reason: "OK" });
    const page = await simpleJson(server().url, name);
    expect(page.files.map((f) => f.filename)).toEqual([filename]);
    const file = await get(new URL(page.files[0]!.url, `${server().url}/simple/${name}/`).toString());
    expect(createHash("sha256").update(file.body).digest("hex")).toBe(page.files[0]!.hashes.sha256);
  }

  it("keeps nothing of a 50 MB upload killed mid-body: no listing, no file, no row, no temp file", async () => {
    const filename = "wharf_crash-1.0.0-py3-none-any.whl";
    const size = 50 * MiB;
    const upload = streamUpload({
      url: server().url,
      token,
      fields: twineFields("wharf-crash", "1.0.0", filename, "ab".repeat(32)),
      filename,
      size,
      chunkBytes: 256 * 1024,
      intervalMs: 20,
    });
    try {
      const spooled = () => filesUnder(spool()).reduce((n, f) => n + statSync(join(spool(), f)).size, 0);
      await waitUntil(() => spooled() >= 8 * MiB, "the server to spool 8 MiB of the upload");
      expect(upload.sent()).toBeLessThan(size);
      await crashAndRestart();
      expect(await upload.done).toHaveProperty("error");
    } finally {
      upload.abort();
    }
    expect(filesUnder(spool())).toEqual([]);
    expect(filesUnder(blobs())).toEqual([]);
    await expectNoTrace("wharf-crash", filename);
    await expectUploadable("wharf-crash", "1.0.0", filename);
  }, 90_000);

  it("sweeps the temporary blob of an upload killed while it was being moved into the blob store", async () => {
    const name = "wharf-crash-staging";
    const dir = mkdtempSync(join(work, "big-"));
    // Stored random bytes: a 48 MiB member keeps the wheel (and the copy into the blob store) large.
    const path = await buildWheel(dir, {
      name,
      version: "1.0.0",
      members: { "wharf_crash_staging/payload.bin": randomBytes(48 * MiB) },
    });
    const bytes = readFileSync(path);
    const filename = "wharf_crash_staging-1.0.0-py3-none-any.whl";
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const temp = join(blobs(), ".tmp");
    await waitUntil(() => existsSync(temp), "the blob store's temp dir (made by /readyz)");
    // The first temp blob appearing is the received file being copied in: kill right then.
    let seen = "";
    const killed = new Promise<void>((resolve) => {
      const watcher = watch(temp, (_event, entry) => {
        if (seen || !entry) return;
        seen = entry;
        watcher.close();
        void server()
          .kill()
          .then(() => resolve());
      });
    });
    const upload = streamUpload({
      url: server().url,
      token,
      fields: twineFields(name, "1.0.0", filename, sha256),
      filename,
      size: bytes.length,
      chunk: (offset, n) => bytes.subarray(offset, offset + n),
    });
    try {
      await Promise.race([
        killed,
        // The kill drops the connection before its exit is reported: that ending is expected.
        upload.done.then(async (r) => {
          if (!seen) throw new Error(`the upload ended before any temp blob was seen: ${JSON.stringify(r)}`);
          await killed;
        }),
      ]);
    } finally {
      upload.abort();
    }
    const leftover = filesUnder(temp);
    expect(leftover, "what the crash left in the blob store's temp area").not.toEqual([]);

    const before = server();
    servers.push(await startWharf(before.env, { dataDir: before.dataDir, port: before.port }));
    expect(filesUnder(temp)).toEqual([]);
    expect(filesUnder(spool())).toEqual([]);
    // Nothing was committed: the kill came before the database row, so no final blob either.
    expect(filesUnder(blobs()).filter((f) => f.includes(filename))).toEqual([]);
    await expectNoTrace(name, filename);
    await expectUploadable(name, "1.0.0", filename);
  }, 120_000);
});
