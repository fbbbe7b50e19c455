import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/requirements.js";
import { Authenticators, TestAuthenticatorApp } from "./support/authenticators.js";
import {
  type ChromiumSession,
  ensureBuilt,
  launchChromium,
  startWharf,
  type WharfServer,
} from "./support/index.js";
import { createMaintainer, createToken, get, signInWeb, simpleJson, withDatabase } from "./support/pypi.js";
import { buildDists, makeVenv, pipInstall, pythonEnv, run, shown, twineUpload } from "./support/python.js";
import { saveScreenshot } from "./support/screens.js";

const SUITE =
  "staged PyPI release: twine stages it, pip cannot see it, a maintainer approves it with a key in Chromium";
const NAME = "wharf-staged";
const PASSWORD = "quay crane at low tide 31";
type Dists = { wheel: string; sdist: string };

/**
 * Issue 16, "Done means": a project whose owners require token uploads to be approved with a
 * security key or passkey; the real twine uploads a wheel and an sdist with an API token; the real pip
 * cannot find the version until the maintainer, in Chromium with a virtual authenticator, approves it
 * on /staged/<id>, and then finds every file of it at once.
 */
describe.skipIf(missing(SUITE, "twine", "pip", "venv", "wheel-build", "chromium"))(SUITE, () => {
  let server: WharfServer;
  let browser: ChromiumSession;
  let keys: Authenticators;
  let work = "";
  let home = "";
  let token = "";
  let venv = { pip: "", python: "" };
  let app: TestAuthenticatorApp;
  let stagedId = "";
  const dists: Record<string, Dists> = {};

  beforeAll(async () => {
    await ensureBuilt();
    work = mkdtempSync(join(tmpdir(), "wharf-e2e-staged-"));
    home = join(work, "home");
    server = await startWharf();
    await createMaintainer(server, "alice", PASSWORD);
    await createMaintainer(server, "bob", PASSWORD);
    token = await createToken(server, "alice");
    const [built, v, b] = await Promise.all([
      Promise.all(
        ["1.0.0", "2.0.0", "3.0.0"].map(
          async (version) =>
            [version, await buildDists(join(work, version), home, { name: NAME, version })] as const,
        ),
      ),
      makeVenv(join(work, "venv"), home),
      launchChromium(),
    ]);
    for (const [version, d] of built) dists[version] = d;
    venv = v;
    browser = b;
    keys = await Authenticators.enable(browser.context, browser.page);
    // 1.0.0 goes out directly; from then on the owners want token uploads approved with a key. (The
    // manage page's switch for this rule is another change; the rule itself is what is under test.)
    const first = await upload("1.0.0");
    expect(first.code, shown(first, "twine upload 1.0.0")).toBe(0);
    await withDatabase(server, (db) =>
      db
        .updateTable("projects")
        .set({ stage_requirement: "phishing-resistant" })
        .where("name", "=", NAME)
        .execute(),
    );
  }, 240_000);

  afterAll(async () => {
    try {
      await keys?.close();
      await browser?.close();
    } finally {
      await server?.stop();
      server?.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  const at = (path: string) => `${server.origin}${path}`;
  const page = (): Page => browser.page;
  /** The flash message of the page a form (or the key script's submit) led to. */
  const flash = (p: Page, text: string) => p.locator("div.alert[role=status]", { hasText: text });
  const upload = (version: string) =>
    twineUpload(server.url, home, [dists[version]!.wheel, dists[version]!.sdist], {
      username: "__token__",
      password: token,
    });
  const filesOf = async (version: string) =>
    (await simpleJson(server.url, NAME)).files
      .map((f) => f.filename)
      .filter((f) => f.includes(`-${version}`));
  const jsonApi = async () =>
    JSON.parse(
      (await get(`${server.url}/pypi/${NAME}/json`, { accept: "application/json" })).body.toString(),
    ) as {
      info: { version: string };
      releases: Record<string, unknown[]>;
    };
  const pipDownload = (version: string, dest: string) =>
    run(
      venv.pip,
      ["download", "--no-deps", "--index-url", `${server.url}/simple/`, "-d", dest, `${NAME}==${version}`],
      { env: pythonEnv(home), timeoutMs: 120_000 },
    );

  it("stages a twine upload of a wheel and an sdist: pip, /simple/ and the JSON API do not see it", async () => {
    const staged = await upload("2.0.0");
    expect(staged.code, shown(staged, "twine upload 2.0.0")).toBe(0);
    stagedId = await withDatabase(server, async (db) => {
      const r = await db
        .selectFrom("staged_releases")
        .select(["id", "phishing_resistant"])
        .where("version", "=", "2.0.0")
        .executeTakeFirstOrThrow();
      expect(r.phishing_resistant).toBe(1);
      return r.id;
    });
    expect(await filesOf("2.0.0")).toEqual([]);
    expect((await simpleJson(server.url, NAME)).versions).toEqual(["1.0.0"]);
    const json = await jsonApi();
    expect(json.info.version).toBe("1.0.0");
    expect(Object.keys(json.releases)).toEqual(["1.0.0"]);
    expect((await get(`${server.url}/pypi/${NAME}/2.0.0/json`)).status).toBe(404);
    const dest = join(work, "download-before");
    const pip = await pipDownload("2.0.0", dest);
    expect(pip.code, shown(pip, "pip download")).not.toBe(0);
    expect(pip.output).toContain(`No matching distribution found for ${NAME}==2.0.0`);
    // Anonymous visitors see nothing of it on the project page.
    const anon = await get(`${server.url}/project/${NAME}/`, { accept: "text/html" });
    expect(anon.body.toString()).not.toContain("staged-pending");
    expect(anon.body.toString()).not.toContain("2.0.0");
  }, 180_000);

  it("shows it to the maintainer; a code cannot approve it; someone without a role gets a 404", async () => {
    const p = page();
    await p.goto(at("/account/login"));
    await p.fill("#username", "alice");
    await p.fill("#password", PASSWORD);
    await p.getByRole("button", { name: "Sign in", exact: true }).click();
    await p.waitForURL((u) => !u.pathname.startsWith("/account/login"));
    // An authenticator app first (its recovery codes are shown once), then a security key.
    await p.goto(at("/account/two-factor/totp"));
    app = new TestAuthenticatorApp((await p.locator("#totp-secret").textContent())!.replace(/\s+/g, ""));
    await p.fill("#code", await app.code());
    await p.getByRole("button", { name: "Enable" }).click();
    await p.locator("#recovery-codes").waitFor();
    await keys.use("blue");
    await p.goto(at("/account/two-factor/keys"));
    await p.fill("#label", "Blue key");
    await p.getByRole("button", { name: "Add security key" }).click();
    await flash(p, "“Blue key” added").waitFor();

    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await p.setViewportSize(viewport);
      await p.goto(at(`/project/${NAME}/`));
      const pending = p.locator("#staged-pending");
      await expect(pending.locator(`tr[data-staged="${stagedId}"] td`).allTextContents()).resolves.toEqual([
        "2.0.0 (security key required)",
        "2",
        "alice (API token)",
        expect.stringMatching(/\d{4}-\d\d-\d\d/),
      ]);
      saveScreenshot(await p.screenshot({ fullPage: true }), viewport.width, "staged-approval-project");
      await pending.getByRole("link", { name: "2.0.0" }).click();
      await p.waitForURL(at(`/staged/${stagedId}`));
      await expect(p.locator("#staged-key-required").textContent()).resolves.toContain(
        "security key or passkey",
      );
      await expect(p.getByRole("button", { name: "Approve with security key" }).isEnabled()).resolves.toBe(
        true,
      );
      saveScreenshot(await p.screenshot({ fullPage: true }), viewport.width, "staged-approval-page");
    }
    await p.setViewportSize({ width: 1280, height: 800 });

    await p.fill("#code", await app.code());
    await p.getByRole("button", { name: "Approve with code" }).click();
    await expect(p.locator("#code-error").textContent()).resolves.toContain(
      "requires a security key or passkey",
    );
    saveScreenshot(await p.screenshot({ fullPage: true }), 1280, "staged-approval-code-refused");
    expect(await filesOf("2.0.0")).toEqual([]);

    const bob = await signInWeb(server, "bob", PASSWORD);
    expect((await bob.get(`${server.url}/staged/${stagedId}`)).status).toBe(404);
    expect((await bob.get(`${server.url}/project/${NAME}/`)).body).not.toContain("staged-pending");
  }, 180_000);

  it("approves with the security key: pip installs it and every file appears in /simple/ at once", async () => {
    const p = page();
    await p.goto(at(`/staged/${stagedId}`));
    // Installers keep asking while the maintainer decides: each answer has none or all of the files.
    const seen: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) seen.push((await filesOf("2.0.0")).length);
    })();
    try {
      await p.getByRole("button", { name: "Approve with security key" }).click();
      await flash(p, `${NAME} 2.0.0 is published.`).waitFor();
    } finally {
      polling = false;
      await poller;
    }
    expect(new Set(seen.filter((n) => n !== 0 && n !== 2))).toEqual(new Set());
    expect(seen.length).toBeGreaterThan(0);
    expect((await filesOf("2.0.0")).sort()).toEqual(
      [basename(dists["2.0.0"]!.wheel), basename(dists["2.0.0"]!.sdist)].sort(),
    );
    const factor = await withDatabase(server, (db) =>
      db
        .selectFrom("staged_releases")
        .select(["state", "decided_factor"])
        .where("id", "=", stagedId)
        .executeTakeFirstOrThrow(),
    );
    expect(factor).toEqual({ state: "approved", decided_factor: "webauthn" });
    expect((await jsonApi()).info.version).toBe("2.0.0");
    const install = await pipInstall(venv.pip, server.url, home, `${NAME}==2.0.0`);
    expect(install.code, shown(install, "pip install")).toBe(0);
    const version = await run(venv.python, ["-c", "import wharf_staged; print(wharf_staged.__version__)"], {
      env: pythonEnv(home),
    });
    expect(version.output.trim()).toBe("2.0.0");
    const dest = join(work, "download-after");
    expect((await pipDownload("2.0.0", dest)).code).toBe(0);
    expect(readdirSync(dest)).toHaveLength(1);
    // The project page no longer lists it as pending.
    await p.goto(at(`/project/${NAME}/`));
    await expect(p.locator("#staged-pending").count()).resolves.toBe(0);
  }, 180_000);

  it("rejects the next staged release with a passkey: its files never reach installers", async () => {
    const p = page();
    await keys.use("phone");
    await p.goto(at("/account/two-factor/keys"));
    await p.fill("#label", "Phone");
    await p.getByRole("button", { name: "Add passkey" }).click();
    await flash(p, "“Phone” added").waitFor();
    const staged = await upload("3.0.0");
    expect(staged.code, shown(staged, "twine upload 3.0.0")).toBe(0);
    const id = await withDatabase(
      server,
      async (db) =>
        (
          await db
            .selectFrom("staged_releases")
            .select("id")
            .where("version", "=", "3.0.0")
            .executeTakeFirstOrThrow()
        ).id,
    );
    await p.goto(at(`/staged/${id}`));
    await p.getByRole("button", { name: "Reject with security key" }).click();
    await flash(p, "was rejected").waitFor();
    expect(await filesOf("3.0.0")).toEqual([]);
    const pip = await pipDownload("3.0.0", join(work, "download-rejected"));
    expect(pip.code).not.toBe(0);
    // A rejected file name is never used again (as for a deleted file).
    const again = await upload("3.0.0");
    expect(again.code).not.toBe(0);
  }, 180_000);
});
