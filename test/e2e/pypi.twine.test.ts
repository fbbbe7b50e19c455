import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/requirements.js";
import { ensureBuilt, type LoggedRequest, startWharf, type WharfServer } from "./support/index.js";
import {
  createMaintainer,
  createToken,
  revokeOnTokensPage,
  signInWeb,
  simpleJson,
  tokenLookupOf,
  withDatabase,
} from "./support/pypi.js";
import {
  buildDists,
  makeVenv,
  oneLine,
  pipInstall,
  pythonEnv,
  run,
  shown,
  twineUpload,
} from "./support/python.js";

const SUITE = "twine uploads and pip installs against a running Wharf";
const USER = "demo-maintainer";
const PASSWORD = "harbour lights at dusk 42";
const DAY = 24 * 60 * 60 * 1000;
type Dists = { wheel: string; sdist: string };

describe.skipIf(missing(SUITE, "twine", "pip", "venv", "wheel-build"))(SUITE, () => {
  const servers: WharfServer[] = [];
  const server = () => servers.at(-1)!;
  let work = "";
  let home = "";
  let token = "";
  let venv = { pip: "", python: "" };
  const dists: Record<string, Dists> = {};

  beforeAll(async () => {
    await ensureBuilt();
    work = mkdtempSync(join(tmpdir(), "wharf-e2e-twine-"));
    home = join(work, "home");
    // info: the access log tells which files pip fetched.
    servers.push(await startWharf({ WHARF_LOG_LEVEL: "info" }));
    await createMaintainer(server(), USER, PASSWORD);
    token = await createToken(server(), USER);
    const builds = {
      "demo-1.0.0": { name: "wharf-demo", version: "1.0.0" },
      "demo-1.1.0": { name: "wharf-demo", version: "1.1.0" },
      "demo-1.2.0": { name: "wharf-demo", version: "1.2.0" },
      "other-1.0.0": { name: "wharf-other", version: "1.0.0" },
      "new-1.0.0": { name: "wharf-brand-new", version: "1.0.0" },
    };
    const [made] = await Promise.all([
      Promise.all(
        Object.entries(builds).map(async ([k, p]) => [k, await buildDists(join(work, k), home, p)] as const),
      ),
      makeVenv(join(work, "venv"), home).then((v) => {
        venv = v;
      }),
    ]);
    for (const [k, d] of made) dists[k] = d;
  }, 180_000);

  afterAll(async () => {
    try {
      for (const s of servers) await s.stop();
    } finally {
      servers[0]?.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  const upload = (files: string[], password = token, ...flags: string[]) =>
    twineUpload(server().url, home, files, { username: "__token__", password }, ...flags);

  /** The access log can trail the client's exit by a moment; wait (bounded) for what must be there. */
  async function requestsSince(from: number, until: (r: LoggedRequest[]) => boolean) {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const seen = server().requests().slice(from);
      if (until(seen) || Date.now() > deadline) return seen;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A refused upload stores nothing: wharf-demo still lists only 1.0.0 and 1.1.0. */
  async function expectNothingStored() {
    const page = await simpleJson(server().url, "wharf-demo");
    expect(page.versions).toEqual(["1.0.0", "1.1.0"]);
  }

  it("uploads wheels and sdists of two releases with twine and an API token", async () => {
    const files = ["demo-1.0.0", "demo-1.1.0"].flatMap((k) => [dists[k]!.wheel, dists[k]!.sdist]);
    const r = await upload([...files, dists["other-1.0.0"]!.wheel]);
    expect(r.code, shown(r, "twine upload")).toBe(0);
    expect(r.output).toContain("Uploading wharf_demo-1.0.0-py3-none-any.whl");

    const page = await simpleJson(server().url, "wharf-demo");
    expect(page.versions).toEqual(["1.0.0", "1.1.0"]);
    // setuptools < 69.3 names sdists "wharf-demo-1.0.0.tar.gz", later ones "wharf_demo-1.0.0.tar.gz".
    expect(page.files.map((f) => f.filename).sort()).toEqual(files.map((f) => basename(f)).sort());
    // PEP 658: a wheel's METADATA is served beside it; an sdist's PKG-INFO may be dynamic, so not.
    for (const f of page.files) expect(Boolean(f["core-metadata"])).toBe(f.filename.endsWith(".whl"));
  });

  it("lets pip install a pinned version, resolving from the wheel's .metadata before fetching the wheel", async () => {
    const from = server().requests().length;
    const r = await pipInstall(venv.pip, server().url, home, "wharf-demo==1.0.0");
    expect(r.code, shown(r, "pip install")).toBe(0);
    expect(r.output).toContain("Successfully installed wharf-demo-1.0.0");
    const imported = await run(venv.python, ["-c", "import wharf_demo; print(wharf_demo.__version__)"], {
      env: pythonEnv(home),
    });
    expect(imported.output.trim()).toBe("1.0.0");

    const wheel = "wharf_demo-1.0.0-py3-none-any.whl";
    const gets = (await requestsSince(from, (s) => s.some((q) => q.url.endsWith(wheel))))
      .filter((q) => q.method === "GET")
      .map((q) => q.url);
    const metadataAt = gets.findIndex((u) => u.endsWith(`${wheel}.metadata`));
    const wheelAt = gets.findIndex((u) => u.endsWith(wheel));
    expect(gets[0], gets.join("\n")).toBe("/simple/wharf-demo/");
    expect(metadataAt, gets.join("\n")).toBeGreaterThan(0);
    expect(wheelAt, gets.join("\n")).toBeGreaterThan(metadataAt);
    // Nothing else was downloaded to decide: no sdist, no other version.
    expect(gets.filter((u) => u.startsWith("/files/"))).toHaveLength(2);
  });

  it("refuses a file name that was already uploaded with 'File already exists'; --skip-existing passes", async () => {
    const again = await upload([dists["demo-1.0.0"]!.wheel]);
    expect(again.code).not.toBe(0);
    expect(oneLine(again.output)).toContain("400 Bad Request from http://127.0.0.1:");
    expect(oneLine(again.output)).toContain("File already exists.");

    const skip = await upload(
      [dists["demo-1.0.0"]!.wheel, dists["demo-1.0.0"]!.sdist],
      token,
      "--skip-existing",
    );
    expect(skip.code, shown(skip, "twine upload --skip-existing")).toBe(0);
    expect(oneLine(skip.output)).toContain(
      "Skipping wharf_demo-1.0.0-py3-none-any.whl because it appears to already exist",
    );
  });

  it("refuses a username and password, telling the user to create an API token", async () => {
    const r = await twineUpload(server().url, home, [dists["demo-1.2.0"]!.wheel], {
      username: USER,
      password: PASSWORD,
    });
    expect(r.code).not.toBe(0);
    const out = oneLine(r.output);
    expect(out).toContain("403 Forbidden");
    expect(out).toContain("Username/password uploads are not supported");
    expect(out).toContain(`${server().origin}/account/tokens`);
    expect(out).toContain("username __token__");
    await expectNothingStored();
  });

  it("refuses a token scoped to another project, and a scoped token creating a project", async () => {
    const scoped = await createToken(server(), USER, { projects: ["wharf-other"] });
    const other = await upload([dists["demo-1.2.0"]!.wheel], scoped);
    expect(other.code).not.toBe(0);
    expect(oneLine(other.output)).toContain(
      `This API token is not scoped to project 'wharf-demo'. Create a token for it at ${server().origin}/account/tokens`,
    );
    await expectNothingStored();

    const created = await upload([dists["new-1.0.0"]!.wheel], scoped);
    expect(created.code).not.toBe(0);
    expect(oneLine(created.output)).toContain("A project-scoped token cannot create a new project.");
    expect((await simpleJson(server().url, "wharf-brand-new")).status).toBe(404);

    // The same token does publish to its own project.
    const own = await upload([dists["other-1.0.0"]!.sdist], scoped);
    expect(own.code, shown(own, "twine upload (in scope)")).toBe(0);
  });

  it("refuses an expired token, saying when it expired", async () => {
    const expiring = await createToken(server(), USER, { expiresDays: 1 });
    // No clock to move in a running server: the row is moved two days back instead.
    const expiredAt = Date.now() - 2 * DAY;
    await withDatabase(server(), (db) =>
      db
        .updateTable("api_tokens")
        .set({ expires_at: expiredAt })
        .where("lookup", "=", tokenLookupOf(expiring))
        .execute(),
    );
    const r = await upload([dists["demo-1.2.0"]!.wheel], expiring);
    expect(r.code).not.toBe(0);
    expect(oneLine(r.output)).toContain(
      `This API token expired on ${new Date(expiredAt).toISOString().slice(0, 10)}. Create a new one.`,
    );
    await expectNothingStored();
  });

  it("refuses a token revoked on the tokens page, saying it was revoked", async () => {
    const revoked = await createToken(server(), USER);
    const web = await signInWeb(server(), USER, PASSWORD);
    await revokeOnTokensPage(server(), web, revoked);
    const r = await upload([dists["demo-1.2.0"]!.wheel], revoked);
    expect(r.code).not.toBe(0);
    expect(oneLine(r.output)).toContain("This API token has been revoked. Create a new one.");
    await expectNothingStored();
  });

  it("makes pip skip a release yanked on the manage page, unless it is pinned exactly (PEP 592)", async () => {
    const web = await signInWeb(server(), USER, PASSWORD);
    const manage = `${server().url}/manage/project/wharf-demo/`;
    expect((await web.get(manage)).status).toBe(200);
    const yank = await web.post(`${manage}release/1.1.0/yank`, { reason: "broken import on 3.12" });
    expect(yank.status, yank.body.slice(0, 2000)).toBe(303);
    // The cached index is dropped by the change feed: the next request already shows the yank.
    const page = await simpleJson(server().url, "wharf-demo");
    const yanked = page.files.filter((f) => f.filename.includes("1.1.0")).map((f) => f.yanked);
    expect(yanked).toEqual(["broken import on 3.12", "broken import on 3.12"]);

    const uninstall = await run(venv.pip, ["uninstall", "-y", "wharf-demo"], { env: pythonEnv(home) });
    expect(uninstall.code, shown(uninstall, "pip uninstall")).toBe(0);
    const from = server().requests().length;
    const latest = await pipInstall(venv.pip, server().url, home, "wharf-demo");
    expect(latest.code, shown(latest, "pip install wharf-demo")).toBe(0);
    expect(latest.output).toContain("Successfully installed wharf-demo-1.0.0");
    const fetched = await requestsSince(from, (s) => s.some((q) => q.url.endsWith(".whl")));
    expect(fetched.filter((q) => q.url.includes("1.1.0"))).toEqual([]);

    const pinned = await pipInstall(venv.pip, server().url, home, "wharf-demo==1.1.0");
    expect(pinned.code, shown(pinned, "pip install wharf-demo==1.1.0")).toBe(0);
    expect(pinned.output).toContain("Successfully installed wharf-demo-1.1.0");
    expect(oneLine(pinned.output)).toMatch(/yanked version.*Reason for being yanked: broken import on 3\.12/);
  });
});
