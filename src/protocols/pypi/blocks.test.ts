import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { transaction } from "../../db/index.js";
import { buildWheel } from "../../packages/archives/test-fixtures.js";
import {
  deleteFile,
  deleteRelease,
  findProject,
  findRelease,
  insertFile,
  insertRelease,
  listReleases,
} from "../../packages/index.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../../test-support/index.js";
import { fileUrl, loadProjectView, uploadTime } from "./view.js";

/*
 * The project pages rendered in blocks (http/blocks.ts) must be the bytes a rendering of the whole
 * document makes. The oracles below are that rendering, as simple.ts wrote it before the blocks.
 */

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

type View = NonNullable<Awaited<ReturnType<typeof loadProjectView>>>;

function wholeJson(v: View): string {
  const files = v.releases.flatMap((r) =>
    r.files.map((f) => ({
      filename: f.filename,
      url: fileUrl(f),
      hashes: { sha256: f.sha256 },
      "requires-python": f.requiresPython ?? null,
      yanked: r.yankedAt !== null ? r.yankedReason || true : false,
      "core-metadata": f.metadataSha256 ? { sha256: f.metadataSha256 } : false,
      size: f.size,
      "upload-time": uploadTime(f.uploadedAt),
    })),
  );
  return JSON.stringify({
    meta: { "api-version": "1.1" },
    name: v.project.normalizedName,
    versions: v.releases.map((r) => r.version),
    files,
  });
}

function wholeHtml(v: View): string {
  const links = v.releases.flatMap((r) =>
    r.files.map((f) => {
      const attrs = [
        `href="${esc(fileUrl(f))}#sha256=${f.sha256}"`,
        f.requiresPython ? `data-requires-python="${esc(f.requiresPython)}"` : "",
        r.yankedAt !== null ? `data-yanked="${esc(r.yankedReason ?? "")}"` : "",
        f.metadataSha256
          ? `data-core-metadata="sha256=${f.metadataSha256}" data-dist-info-metadata="sha256=${f.metadataSha256}"`
          : "",
      ].filter(Boolean);
      return `    <a ${attrs.join(" ")}>${esc(f.filename)}</a><br />`;
    }),
  );
  const name = esc(v.project.normalizedName);
  return `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Links for ${name}</title>\n  </head>\n  <body>\n    <h1>Links for ${name}</h1>\n${links.join("\n")}\n  </body>\n</html>\n`;
}

describe.each(testDatabases())("PyPI project pages rendered in blocks on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-blocks-"));
    const { token } = await maintainer(t, "alice");
    const wheel = await buildWheel(dir, { name: "demo-pkg", version: "1.0.0" });
    const form = await twineForm(wheel, { name: "demo-pkg", version: "1.0.0" });
    const res = await t.app.inject({
      method: "POST",
      url: "/legacy/",
      payload: form.payload,
      headers: { ...form.headers, authorization: basicAuth("__token__", token) },
    });
    expect(res.statusCode).toBe(200);
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Copies of the first release under these versions (two files each), then the change feed's message. */
  async function add(versions: string[]) {
    const project = (await findProject(t.deps.db, "pypi", "demo-pkg"))!;
    const [first] = await listReleases(t.deps.db, project.id);
    const template = first!.files[0]!;
    await transaction(t.deps.db, async (tx) => {
      for (const version of versions) {
        const now = Date.now();
        const release = await insertRelease(tx, now, {
          projectId: project.id,
          version,
          canonicalVersion: version,
          requiresPython: ">=3.9",
          summary: "s",
          description: "d",
          descriptionContentType: "text/plain",
          metadata: {},
        });
        for (const suffix of ["-py3-none-any.whl", ".tar.gz"]) {
          const sha256 = randomBytes(32).toString("hex");
          const filename = `demo_pkg-${version}${suffix}`;
          await insertFile(tx, now, {
            ...template,
            projectId: project.id,
            releaseId: release.id,
            uploadedBy: null,
            filename,
            sha256,
            blobKey: `pypi/${sha256}/${filename}`,
          });
        }
      }
    });
    await t.deps.changes.publish(project.id);
    return project;
  }

  const pages = {
    json: { accept: "application/vnd.pypi.simple.v1+json", url: "/simple/demo-pkg/" },
    html: { accept: "application/vnd.pypi.simple.v1+html", url: "/simple/demo-pkg/" },
    api: { accept: "application/json", url: "/pypi/demo-pkg/json" },
  };

  async function check(seen: Set<string>) {
    const v = (await loadProjectView(t.deps.db, "demo-pkg"))!;
    for (const [kind, p] of Object.entries(pages)) {
      const plain = await t.app.inject({ url: p.url, headers: { accept: p.accept } });
      const gz = await t.app.inject({ url: p.url, headers: { accept: p.accept, "accept-encoding": "gzip" } });
      expect(plain.statusCode).toBe(200);
      expect(plain.rawPayload.length).toBeGreaterThan(64 * 1024);
      expect(gunzipSync(gz.rawPayload).equals(plain.rawPayload)).toBe(true);
      expect(gz.headers.etag).toBe(plain.headers.etag);
      expect(seen.has(`${kind}${plain.headers.etag}`)).toBe(false);
      seen.add(`${kind}${plain.headers.etag}`);
      if (kind === "json") expect(plain.body).toBe(wholeJson(v));
      if (kind === "html") expect(plain.body).toBe(wholeHtml(v));
      if (kind === "api") {
        // JSON.stringify of the parsed document: the same keys in the same order (integer-like
        // versions first, as JavaScript orders an object's keys), nothing else.
        expect(JSON.stringify(JSON.parse(plain.body))).toBe(plain.body);
        expect(Object.keys(plain.json().releases).sort()).toEqual(v.releases.map((r) => r.version).sort());
      }
    }
  }

  it("serves the bytes a whole rendering makes, through appends, a yank, and integer-like versions", async () => {
    const seen = new Set<string>();
    const many = Array.from({ length: 160 }, (_, i) => `1.1.${i}`);
    const project = await add([...many, "2", "10"]);
    await check(seen);
    await add(["11"]);
    await check(seen);
    await add(["11.0.1"]);
    await check(seen);
    await t.deps.db
      .updateTable("releases")
      .set({ yanked_at: Date.now(), yanked_reason: 'broken <"&>' })
      .where("project_id", "=", project.id)
      .where("version", "=", "1.1.7")
      .execute();
    await t.deps.changes.publish(project.id);
    await check(seen);
    // Deletes reach the incremental listing through its log like any change: one file, then a release.
    const [one] = await t.deps.db
      .selectFrom("files")
      .innerJoin("releases", "releases.id", "files.release_id")
      .select("files.id")
      .where("releases.version", "=", "1.1.3")
      .execute();
    await transaction(t.deps.db, (tx) => deleteFile(tx, one!.id));
    await t.deps.changes.publish(project.id);
    await check(seen);
    const gone = await findRelease(t.deps.db, project.id, "1.1.4");
    await transaction(t.deps.db, (tx) => deleteRelease(tx, gone!.id));
    await t.deps.changes.publish(project.id);
    await check(seen);
    expect(
      (
        await t.app
          .inject({ url: "/simple/demo-pkg/", headers: { accept: pages.json.accept } })
          .then((r) => r.json())
      ).versions,
    ).not.toContain("1.1.4");
  });
});
