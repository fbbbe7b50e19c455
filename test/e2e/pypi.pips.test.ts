import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/requirements.js";
import { ensureBuilt, type LoggedRequest, startWharf, type WharfServer } from "./support/index.js";
import { createMaintainer, createToken, signInWeb, simpleJson } from "./support/pypi.js";
import {
  buildDists,
  DEBIAN_PIP_WHEEL,
  makeVenv,
  makeVenvWithPip,
  oneLine,
  pipInstall,
  pipVersion,
  pythonEnv,
  run,
  shown,
  twineUpload,
} from "./support/python.js";

// Installs from Wharf with more than one pip: the machine's (its venv's bundled pip, 23.2+ here) and
// Debian 12's 23.0.1, one of the pips (22.3–23.1) that crashed with "TypeError: unhashable type: 'dict'"
// on the JSON index's legacy `dist-info-metadata` key (PEP 714). And pipenv, which vendors such a pip.
const SUITE = "pip install from Wharf with the machine's pip and Debian 12's pip 23.0.1";
const PIPENV_SUITE = "pipenv install from Wharf";
const USER = "matrix-maintainer";
const PASSWORD = "ropes and tides and gulls 7";
const NAME = "wharf-matrix";

/** One Wharf with wharf-matrix 1.0.0, 1.1.0 (yanked) and 1.2.0 (Requires-Python >=3.99). */
async function publishedWharf(work: string, home: string): Promise<WharfServer> {
  // info: the access log tells which files each client fetched.
  const server = await startWharf({ WHARF_LOG_LEVEL: "info" });
  await createMaintainer(server, USER, PASSWORD);
  const token = await createToken(server, USER);
  const builds = await Promise.all(
    [{ version: "1.0.0" }, { version: "1.1.0" }, { version: "1.2.0", requiresPython: ">=3.99" }].map((p) =>
      buildDists(join(work, p.version), home, { name: NAME, ...p }),
    ),
  );
  const files = builds.flatMap((d) => [d.wheel, d.sdist]);
  const up = await twineUpload(server.url, home, files, { username: "__token__", password: token });
  if (up.code !== 0) throw new Error(shown(up, "twine upload"));
  const web = await signInWeb(server, USER, PASSWORD);
  const manage = `${server.url}/manage/project/${NAME}/`;
  await web.get(manage);
  const yank = await web.post(`${manage}release/1.1.0/yank`, { reason: "leaks file handles" });
  if (yank.status !== 303) throw new Error(`yank answered ${yank.status}: ${yank.body.slice(0, 500)}`);
  return server;
}

/** The access log can trail the client's exit by a moment; wait (bounded) for what must be there. */
async function getsSince(server: WharfServer, from: number, until: (r: LoggedRequest[]) => boolean) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const seen = server.requests().slice(from);
    if (until(seen) || Date.now() > deadline) return seen.filter((q) => q.method === "GET").map((q) => q.url);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(missing(SUITE, "twine", "pip", "venv", "wheel-build", "debian-pip-wheel"))(SUITE, () => {
  let server: WharfServer | undefined;
  let work = "";
  let home = "";
  const venvs: Record<string, { pip: string; python: string; version: [number, number] }> = {};

  beforeAll(async () => {
    await ensureBuilt();
    work = mkdtempSync(join(tmpdir(), "wharf-e2e-pips-"));
    home = join(work, "home");
    const [s, machine, debian] = await Promise.all([
      publishedWharf(work, home),
      makeVenv(join(work, "venv-machine"), home),
      makeVenvWithPip(join(work, "venv-debian"), home, DEBIAN_PIP_WHEEL),
    ]);
    server = s;
    venvs.machine = { ...machine, version: await pipVersion(machine.pip, home) };
    venvs.debian = { ...debian, version: await pipVersion(debian.pip, home) };
  }, 240_000);

  afterAll(async () => {
    try {
      await server?.stop();
    } finally {
      server?.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  it("has the two pips the matrix is about", () => {
    expect(venvs.debian!.version).toEqual([23, 0]);
    // The machine's pip must read PEP 714's core-metadata, or the metadata checks below prove nothing new.
    expect(venvs.machine!.version[0] * 100 + venvs.machine!.version[1]).toBeGreaterThanOrEqual(2302);
  });

  describe.each(["machine", "debian"])("with the %s pip", (which) => {
    const venv = () => venvs[which]!;
    const importedVersion = async () =>
      (
        await run(venv().python, ["-c", "import wharf_matrix; print(wharf_matrix.__version__)"], {
          env: pythonEnv(home),
        })
      ).output.trim();

    it("installs the newest release it may: not the yanked one (PEP 592), not one for a newer Python", async () => {
      const from = server!.requests().length;
      // -vv: pip logs the Content-Type of the index page it parsed.
      const r = await pipInstall(venv().pip, server!.url, home, "-v", NAME);
      expect(r.code, shown(r, "pip install")).toBe(0);
      expect(r.output).not.toContain("Traceback");
      expect(r.output).toContain(`Successfully installed ${NAME}-1.0.0`);
      expect(await importedVersion()).toBe("1.0.0");
      // The JSON index (PEP 691) is what pip read, with the requires-python of every file.
      expect(oneLine(r.output)).toMatch(
        new RegExp(
          `Fetched page ${server!.url}/simple/${NAME}/ as application/vnd\\.pypi\\.simple\\.v1\\+json`,
        ),
      );
      expect(oneLine(r.output)).toMatch(/requires a different Python.*'>=3\.99'/);

      const wheel = `wharf_matrix-1.0.0-py3-none-any.whl`;
      const gets = await getsSince(server!, from, (s) => s.some((q) => q.url.endsWith(wheel)));
      expect(gets[0], gets.join("\n")).toBe(`/simple/${NAME}/`);
      // Neither the yanked release nor the one for a newer Python was downloaded, in any form.
      expect(
        gets.filter((u) => /1\.[12]\.0/.test(u)),
        gets.join("\n"),
      ).toEqual([]);
      const metadataAt = gets.findIndex((u) => u.endsWith(`${wheel}.metadata`));
      const wheelAt = gets.findIndex((u) => u.endsWith(wheel));
      if (which === "machine") {
        // pip ≥ 23.2 reads `core-metadata` (PEP 714) and resolves from the .metadata file first (PEP 658).
        expect(metadataAt, gets.join("\n")).toBeGreaterThan(0);
        expect(wheelAt, gets.join("\n")).toBeGreaterThan(metadataAt);
      } else {
        // pip 23.0.1 knows only the PEP 658 key name, which PEP 714 takes out of JSON: it downloads the
        // wheel and reads the metadata inside (slower, but it works; the old key crashed it).
        expect(metadataAt, gets.join("\n")).toBe(-1);
        expect(wheelAt, gets.join("\n")).toBeGreaterThan(0);
      }
    });

    it("installs the yanked release when it is pinned exactly, showing the reason (PEP 592)", async () => {
      const r = await pipInstall(venv().pip, server!.url, home, `${NAME}==1.1.0`);
      expect(r.code, shown(r, "pip install ==1.1.0")).toBe(0);
      expect(r.output).toContain(`Successfully installed ${NAME}-1.1.0`);
      expect(oneLine(r.output)).toMatch(/yanked version.*Reason for being yanked: leaks file handles/);
      expect(await importedVersion()).toBe("1.1.0");
    });

    it("refuses a release whose Requires-Python excludes this Python, even when pinned", async () => {
      const r = await pipInstall(venv().pip, server!.url, home, `${NAME}==1.2.0`);
      expect(r.code).not.toBe(0);
      expect(oneLine(r.output)).toContain(`No matching distribution found for ${NAME}==1.2.0`);
      expect(oneLine(r.output)).toMatch(/Requires-Python >=3\.99/);
    });
  });

  it("still serves both metadata attributes in HTML, for pips that read only the PEP 658 name", async () => {
    const res = await fetch(`${server!.url}/simple/${NAME}/`, { headers: { accept: "text/html" } });
    const body = await res.text();
    expect(body).toMatch(/data-core-metadata="sha256=[0-9a-f]{64}" data-dist-info-metadata="sha256=/);
    const json = await simpleJson(server!.url, NAME);
    expect(json.files.every((f) => !("dist-info-metadata" in f))).toBe(true);
  });
});

describe.skipIf(missing(PIPENV_SUITE, "twine", "pipenv", "wheel-build"))(PIPENV_SUITE, () => {
  let server: WharfServer | undefined;
  let work = "";
  let home = "";

  beforeAll(async () => {
    await ensureBuilt();
    work = mkdtempSync(join(tmpdir(), "wharf-e2e-pipenv-"));
    home = join(work, "home");
    server = await publishedWharf(work, home);
  }, 240_000);

  afterAll(async () => {
    try {
      await server?.stop();
    } finally {
      server?.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  it("locks and installs from Wharf alone: the newest allowed release, with its hashes", async () => {
    const project = join(work, "app");
    mkdirSync(project, { recursive: true });
    // Wharf is the only source: nothing else is reachable (or wanted) here.
    writeFileSync(
      join(project, "Pipfile"),
      [
        "[[source]]",
        `url = "${server!.url}/simple"`,
        "verify_ssl = true",
        'name = "wharf"',
        "",
        "[packages]",
        `${NAME} = "*"`,
        "",
      ].join("\n"),
    );
    const env = pythonEnv(home, {
      PIPENV_VENV_IN_PROJECT: "1",
      PIPENV_YES: "1",
      PIPENV_NOSPIN: "1",
      PIPENV_IGNORE_VIRTUALENVS: "1",
      PIPENV_VERBOSITY: "-1",
      PIPENV_TIMEOUT: "300",
    });
    const r = await run("pipenv", ["install", "--python", "/usr/bin/python3"], {
      cwd: project,
      env,
      timeoutMs: 420_000,
    });
    expect(r.code, shown(r, "pipenv install")).toBe(0);
    expect(r.output).not.toContain("TypeError");
    const lock = JSON.parse(readFileSync(join(project, "Pipfile.lock"), "utf8"));
    const locked = lock.default[NAME];
    expect(locked.version).toBe("==1.0.0");
    expect(locked.hashes.length).toBeGreaterThanOrEqual(1);
    const imported = await run(
      join(project, ".venv", "bin", "python"),
      ["-c", "import wharf_matrix; print(wharf_matrix.__version__)"],
      { env },
    );
    expect(imported.output.trim()).toBe("1.0.0");
  }, 480_000);
});
