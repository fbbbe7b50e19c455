import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/requirements.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { createMaintainer, createToken, signInWeb, withDatabase } from "./support/pypi.js";
import { buildDists, makeVenv, pythonEnv, run, shown, twineUpload } from "./support/python.js";

const SUITE = "pip downloads a staged release from its preview index (maintainers only)";

/**
 * Issue 16: a staged release is installable for testing from a preview index only maintainers read.
 * The real pip, with the token in the index URL as the /staged/<id> page shows it.
 */
describe.skipIf(missing(SUITE, "twine", "wheel-build"))(SUITE, () => {
  let server: WharfServer;
  let work = "";
  let aliceToken = "";
  let bobToken = "";
  let stageId = "";
  const home = () => join(work, "home");

  beforeAll(async () => {
    await ensureBuilt();
    work = mkdtempSync(join(tmpdir(), "wharf-e2e-preview-"));
    server = await startWharf({});
    await createMaintainer(server, "alice", "preview index passphrase 1");
    await createMaintainer(server, "bob", "preview index passphrase 2");
    aliceToken = await createToken(server, "alice");
    bobToken = await createToken(server, "bob");
    const v1 = await buildDists(join(work, "1"), home(), { name: "preview-demo", version: "1.0.0" });
    const v2 = await buildDists(join(work, "2"), home(), { name: "preview-demo", version: "2.0.0" });
    const auth = { username: "__token__", password: aliceToken };
    const first = await twineUpload(server.url, home(), [v1.wheel], auth);
    expect(first.code, shown(first, "twine")).toBe(0);
    await withDatabase(server, (db) =>
      db
        .updateTable("projects")
        .set({ stage_requirement: "any" })
        .where("name", "=", "preview-demo")
        .execute(),
    );
    const second = await twineUpload(server.url, home(), [v2.wheel, v2.sdist], auth);
    expect(second.code, shown(second, "twine")).toBe(0);
    stageId = await withDatabase(server, async (db) => {
      const row = await db
        .selectFrom("staged_releases")
        .select("id")
        .where("version", "=", "2.0.0")
        .executeTakeFirstOrThrow();
      return row.id;
    });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const download = (index: string, spec: string) => {
    const dest = join(work, `dl-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dest);
    return run(
      "python3",
      [
        "-m",
        "pip",
        "download",
        "-vv",
        "--no-deps",
        "--only-binary",
        ":all:",
        "-d",
        dest,
        "--index-url",
        index,
        spec,
      ],
      { env: pythonEnv(home()), timeoutMs: 120_000 },
    ).then((r) => ({ ...r, files: readdirSync(dest) }));
  };
  const preview = (token: string | null) => {
    const host = server.url.replace(/^http:\/\//, "");
    return `http://${token ? `__token__:${token}@` : ""}${host}/preview/${stageId}/simple/`;
  };

  it("is invisible on /simple/ and downloadable by a maintainer from the preview index", async () => {
    const hidden = await download(`${server.url}/simple/`, "preview-demo==2.0.0");
    expect(hidden.code).not.toBe(0);
    expect(hidden.output).toMatch(/No matching distribution found for preview-demo==2.0.0/);
    const got = await download(preview(aliceToken), "preview-demo==2.0.0");
    expect(got.code, shown(got, "pip download")).toBe(0);
    expect(got.files).toEqual(["preview_demo-2.0.0-py3-none-any.whl"]);
    // The published version is there too (the preview index is the real one plus the staged release).
    const old = await download(preview(aliceToken), "preview-demo==1.0.0");
    expect(old.code, shown(old, "pip download")).toBe(0);
  }, 180_000);

  it("installs with exactly the command the /staged/<id> page shows", async () => {
    const web = await signInWeb(server, "alice", "preview index passphrase 1");
    const page = await web.get(`${server.url}/staged/${stageId}`);
    expect(page.status).toBe(200);
    const shownCommand = /<p class="hint" id="preview-command">[\s\S]*?<code>([^<]+)<\/code>/.exec(
      page.body,
    )?.[1];
    expect(shownCommand).toMatch(
      /^pip install --index-url http:\/\/__token__:YOUR-API-TOKEN@localhost:\d+\/preview\//,
    );
    const venv = await makeVenv(join(work, "venv"), home());
    const args = (shownCommand ?? "").replace("YOUR-API-TOKEN", aliceToken).split(" ").slice(2);
    const r = await run(venv.pip, ["install", ...args], { env: pythonEnv(home()), timeoutMs: 180_000 });
    expect(r.code, shown(r, "pip install")).toBe(0);
    const v = await run(venv.python, ["-c", "import preview_demo; print(preview_demo.__version__)"], {
      env: pythonEnv(home()),
    });
    expect(v.output.trim()).toBe("2.0.0");
  }, 300_000);

  it("refuses anonymous pip and a non-maintainer's token", async () => {
    const anonymous = await download(preview(null), "preview-demo==2.0.0");
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.output).toMatch(/\b401\b/);
    expect(anonymous.files).toEqual([]);
    const stranger = await download(preview(bobToken), "preview-demo==2.0.0");
    expect(stranger.code).not.toBe(0);
    expect(stranger.output).toMatch(/\b404\b/);
    expect(stranger.files).toEqual([]);
  }, 180_000);
});
