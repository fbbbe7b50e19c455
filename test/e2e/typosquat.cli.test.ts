import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/requirements.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { NpmClient, type NpmRun, packageDir } from "./support/npm.js";
import { createMaintainer, createToken, get, wharfCli } from "./support/pypi.js";
import { buildDists, makeVenv, oneLine, pipInstall, type Run, twineUpload } from "./support/python.js";

// Issue 18, "Done means": with the real twine, pip and npm, a look-alike of a protected project is held
// (published, invisible to installers) until an operator releases it; quarantine hides an existing
// project from pip and npm and lifting it restores both; with `refuse`, each client shows a reason
// naming the similar project.

const SUITE = "typosquats held, refused and quarantined, seen by twine, pip and npm";
const PASSWORD = "lighthouse keeper 7 knots";
const DAY = 86_400_000;

/**
 * Last week's PyPI and npm download counts, as an operator mirroring a public registry imports them:
 * `requests` and `cross-env` become the top names by downloads (WHARF_TYPOSQUAT_PROTECT_TOP) before any
 * project exists here, so the look-alike index protects them from the server's first check on.
 */
async function importTopDownloads(server: WharfServer, dir: string): Promise<void> {
  const day = new Date(Date.now() - DAY).toISOString().slice(0, 10);
  const csv = join(dir, "downloads.csv");
  writeFileSync(
    csv,
    `date,ecosystem,project,count\n${day},pypi,requests,9000000\n${day},npm,cross-env,5000000\n`,
  );
  for (const ecosystem of ["pypi", "npm"])
    await wharfCli(server, [
      "stats",
      "import",
      csv,
      "--ecosystem",
      ecosystem,
      "--source",
      `e2e-${ecosystem}`,
    ]);
}

const REDIS = process.env.WHARF_TEST_REDIS_URL;

/**
 * The operator's decision, with the operator's command: `wharf project quarantine|release`, on the server's
 * data. What tells the running server's render cache is the change feed: over Redis when the suite has
 * one (the server and the command share its URL and prefix, as several instances do); without Redis
 * through the database's change log, which the server reads once a second (packages/changes.ts) — so
 * the suite waits a few seconds, without restarting anything, and then checks what installers see.
 */
async function operatorDecides(
  r: Registry,
  action: "quarantine" | "release",
  ecosystem: string,
  name: string,
  reason: string,
) {
  await wharfCli(r.server, ["project", action, `${ecosystem}/${name}`, "--reason", reason]);
  if (!REDIS) await new Promise((done) => setTimeout(done, 3_000));
}

interface Registry {
  server: WharfServer;
  npm: NpmClient;
  token: string;
}

describe.skipIf(missing(SUITE, "twine", "pip", "venv", "wheel-build", "npm"))(SUITE, () => {
  let work = "";
  let home = "";
  let venv = { pip: "", python: "" };
  const registries: Registry[] = [];
  const dists: Record<string, { wheel: string; sdist: string }> = {};

  beforeAll(async () => {
    await ensureBuilt();
    work = mkdtempSync(join(tmpdir(), "wharf-e2e-typosquat-"));
    home = join(work, "home");
    const builds = {
      reqeusts: { name: "reqeusts", version: "1.0.0" },
      "wharf-harbour": { name: "wharf-harbour", version: "1.0.0" },
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
  }, 240_000);

  afterAll(async () => {
    for (const r of registries) {
      r.npm.cleanup();
      await r.server.stop();
      r.server.cleanup();
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A server with the given action, the imported top downloads, and `mallory`, who publishes with both clients. */
  async function registryWith(action: "hold" | "refuse"): Promise<Registry> {
    const env: Record<string, string> = {
      WHARF_TYPOSQUAT_ACTION: action,
      WHARF_TYPOSQUAT_PROTECT_TOP: "100",
    };
    if (REDIS)
      Object.assign(env, {
        WHARF_REDIS_URL: REDIS,
        WHARF_REDIS_PREFIX: `e2e-typosquat-${process.pid}-${registries.length}:`,
      });
    const server = await startWharf(env);
    const npm = new NpmClient(`${server.origin}/npm/`);
    const r: Registry = { server, npm, token: "" };
    registries.push(r);
    await importTopDownloads(server, work);
    await createMaintainer(server, "mallory", PASSWORD);
    r.token = await createToken(server, "mallory");
    writeFileSync(
      npm.userconfig,
      `registry=${server.origin}/npm/\n//localhost:${server.port}/npm/:_authToken=${r.token}\n`,
    );
    return r;
  }

  const twine = (r: Registry, files: string[]) =>
    twineUpload(r.server.url, home, files, { username: "__token__", password: r.token });
  const pip = (r: Registry, name: string) =>
    pipInstall(venv.pip, r.server.url, home, "--no-deps", "--dry-run", name);
  const npmInstall = (r: Registry, name: string) => {
    const dir = mkdtempSync(join(r.npm.dir, "consumer-"));
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "consumer", version: "1.0.0", private: true }),
    );
    return r.npm.run(["install", name], { cwd: dir, cache: r.npm.freshCache() });
  };
  const ok = (r: NpmRun | Run, what: string) => expect(r.code, `${what}:\n${r.output}`).toBe(0);
  const refused = (r: NpmRun | Run, what: string) => expect(r.code, `${what}:\n${r.output}`).not.toBe(0);
  const simple = async (r: Registry, path: string) => {
    const res = await get(`${r.server.url}/simple/${path}`);
    return { status: res.status, body: res.body.toString("utf8") };
  };

  it("hold: twine and npm publish look-alikes of requests and cross-env; pip and npm find nothing until an operator releases them", async () => {
    const r = await registryWith("hold");

    const up = await twine(r, [dists.reqeusts!.wheel]);
    ok(up, "twine upload reqeusts");
    const published = await r.npm.run(["publish"], { cwd: packageDir(r.npm.dir, "cros-env", "1.0.0") });
    ok(published, "npm publish cros-env");
    // npm prints the registry's notice: what happened and why.
    expect(oneLine(published.output)).toContain("looks like the project 'cross-env'");
    expect(oneLine(published.output)).toContain("held for review");

    const before = await pip(r, "reqeusts");
    refused(before, "pip install reqeusts");
    expect(before.output).toContain("No matching distribution found for reqeusts");
    expect((await simple(r, "reqeusts/")).status).toBe(404);
    expect((await get(`${r.server.url}/pypi/reqeusts/json`, { accept: "application/json" })).status).toBe(
      404,
    );
    expect((await simple(r, "")).body).not.toContain("reqeusts");
    const view = await r.npm.run(["view", "cros-env", "version"]);
    refused(view, "npm view cros-env");
    expect(view.output).toContain("E404");
    refused(await npmInstall(r, "cros-env"), "npm install cros-env");

    await operatorDecides(r, "release", "pypi", "reqeusts", "checked by hand: a fork, not a squat");
    await operatorDecides(r, "release", "npm", "cros-env", "checked by hand: a fork, not a squat");

    const after = await pip(r, "reqeusts");
    ok(after, "pip install reqeusts");
    expect(after.output).toContain("Would install reqeusts-1.0.0");
    expect((await simple(r, "")).body).toContain("reqeusts");
    const seen = await r.npm.run(["view", "cros-env", "version"]);
    ok(seen, "npm view cros-env");
    expect(seen.output.trim()).toBe("1.0.0");
    ok(await npmInstall(r, "cros-env"), "npm install cros-env");
  }, 300_000);

  it("quarantine of an existing project: pip and npm can no longer install it; lifting it restores both", async () => {
    const r = registries[0] ?? (await registryWith("hold"));
    ok(await twine(r, [dists["wharf-harbour"]!.wheel, dists["wharf-harbour"]!.sdist]), "twine upload");
    ok(
      await r.npm.run(["publish"], { cwd: packageDir(r.npm.dir, "wharf-harbour-js", "1.0.0") }),
      "npm publish",
    );
    // Installed once, so the server has rendered (and cached) its index pages and packument.
    ok(await pip(r, "wharf-harbour"), "pip install wharf-harbour");
    ok(await npmInstall(r, "wharf-harbour-js"), "npm install wharf-harbour-js");

    await operatorDecides(r, "quarantine", "pypi", "wharf-harbour", "reported: reads ~/.pypirc");
    await operatorDecides(r, "quarantine", "npm", "wharf-harbour-js", "reported: reads ~/.npmrc");
    const hidden = await pip(r, "wharf-harbour");
    refused(hidden, "pip install of a quarantined project");
    expect(hidden.output).toContain("No matching distribution found for wharf-harbour");
    expect((await simple(r, "")).body).not.toContain("wharf-harbour");
    refused(await npmInstall(r, "wharf-harbour-js"), "npm install of a quarantined package");
    expect((await r.npm.run(["view", "wharf-harbour-js", "version"])).output).toContain("E404");

    await operatorDecides(r, "release", "pypi", "wharf-harbour", "the report was false");
    await operatorDecides(r, "release", "npm", "wharf-harbour-js", "the report was false");
    ok(await pip(r, "wharf-harbour"), "pip install wharf-harbour after release");
    ok(await npmInstall(r, "wharf-harbour-js"), "npm install wharf-harbour-js after release");
  }, 300_000);

  it("refuse: twine shows a reason phrase and npm an error, each naming the similar project", async () => {
    const r = await registryWith("refuse");
    const up = await twine(r, [dists.reqeusts!.wheel]);
    refused(up, "twine upload reqeusts");
    // twine prints the status line, then the reason phrase.
    expect(oneLine(up.output)).toContain("HTTPError: 403 Forbidden from");
    expect(oneLine(up.output)).toContain(
      "The name 'reqeusts' looks like the project 'requests' (edit distance)",
    );
    const published = await r.npm.run(["publish"], { cwd: packageDir(r.npm.dir, "cros-env", "1.0.0") });
    refused(published, "npm publish cros-env");
    expect(oneLine(published.output)).toContain("The name 'cros-env' looks like the project 'cross-env'");
    expect((await simple(r, "reqeusts/")).status).toBe(404);
    expect((await r.npm.run(["view", "cros-env"])).output).toContain("E404");
  }, 300_000);
});
