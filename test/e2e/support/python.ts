import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { wheelBuildPython } from "../../../src/test-support/requirements.js";

export interface Run {
  code: number | null;
  /** stdout and stderr together, in order, ANSI colours removed. */
  output: string;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");

/** Collapses the line wrapping and colours of twine's (rich) output, for `toContain` on sentences. */
export const oneLine = (s: string): string => s.replace(ANSI, "").replace(/\s+/g, " ");

/**
 * The environment for pip, twine and python: the developer's pip.conf, PIP_* variables (find-links,
 * extra index URLs, constraints), keyring and ~/.pypirc must not change what a test sees, and nothing may
 * reach the network except the Wharf under test.
 */
export function pythonEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(PIP_|PYTHON|TWINE_|VIRTUAL_ENV$|WHARF_|REQUESTS_CA_BUNDLE$|CURL_CA_BUNDLE$)/.test(k),
    ),
  );
  mkdirSync(home, { recursive: true });
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    // pip: read no config file at all (pip treats os.devnull specially), never ask, never wait long.
    PIP_CONFIG_FILE: "/dev/null",
    PIP_NO_INPUT: "1",
    PIP_NO_CACHE_DIR: "1",
    PIP_DISABLE_PIP_VERSION_CHECK: "1",
    PIP_DEFAULT_TIMEOUT: "20",
    PIP_RETRIES: "0",
    PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring",
    PYTHONDONTWRITEBYTECODE: "1",
    // rich (twine's output) wraps at the terminal width; make it wide and colourless.
    COLUMNS: "400",
    NO_COLOR: "1",
    TERM: "dumb",
    ...extra,
  };
}

/** Runs a command to completion within `timeoutMs` (then SIGKILL), keeping its combined output. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 60_000,
      killSignal: "SIGKILL",
    });
    let output = "";
    const keep = (b: Buffer) => {
      output += b.toString("utf8");
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", reject);
    child.once("close", (code, signal) =>
      resolve({
        code,
        output: `${output.replace(ANSI, "")}${signal ? `\n[killed by ${signal}]` : ""}`,
      }),
    );
  });
}

/** A result's output, for expect() messages. */
export const shown = (r: Run, what: string) => `${what} exited ${r.code}:\n${r.output}`;

/**
 * Builds a wheel and an sdist of a one-module project with setuptools' PEP 517 backend, as `python -m
 * build --no-isolation` would (no network needed). Returns their paths.
 */
export async function buildDists(
  workDir: string,
  home: string,
  p: { name: string; version: string; requires?: string[]; requiresPython?: string },
): Promise<{ wheel: string; sdist: string }> {
  const python = wheelBuildPython();
  if (!python) throw new Error("no Python with setuptools >= 61 and wheel (requirement 'wheel-build')");
  const module = p.name.replace(/[-.]+/g, "_").toLowerCase();
  const src = join(workDir, `${module}-${p.version}-src`);
  const out = join(workDir, "dist");
  mkdirSync(join(src, module), { recursive: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(src, "pyproject.toml"),
    [
      "[build-system]",
      'requires = ["setuptools>=61"]',
      'build-backend = "setuptools.build_meta"',
      "",
      "[project]",
      `name = "${p.name}"`,
      `version = "${p.version}"`,
      `description = "${p.name}, published to Wharf by its end-to-end tests"`,
      `requires-python = "${p.requiresPython ?? ">=3.8"}"`,
      `dependencies = ${JSON.stringify(p.requires ?? [])}`,
      "",
      "[tool.setuptools]",
      `packages = ["${module}"]`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(src, module, "__init__.py"), `__version__ = "${p.version}"\n`);
  const script = [
    "import json, sys, setuptools.build_meta as backend",
    "out = sys.argv[1]",
    "print(json.dumps({'sdist': backend.build_sdist(out), 'wheel': backend.build_wheel(out)}))",
  ].join("\n");
  const r = await run(python, ["-c", script, out], { cwd: src, env: pythonEnv(home) });
  if (r.code !== 0) throw new Error(shown(r, "the setuptools build"));
  const line = /^\{"sdist".*$/m.exec(r.output);
  if (!line) throw new Error(shown(r, "the setuptools build (no result line)"));
  const built = JSON.parse(line[0]) as { sdist: string; wheel: string };
  return { wheel: join(out, built.wheel), sdist: join(out, built.sdist) };
}

/** `python3 -m venv DIR` (with its bundled pip); returns the venv's pip and python. */
export async function makeVenv(dir: string, home: string): Promise<{ pip: string; python: string }> {
  const r = await run("python3", ["-m", "venv", dir], { env: pythonEnv(home), timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(shown(r, "python3 -m venv"));
  return { pip: join(dir, "bin", "pip"), python: join(dir, "bin", "python") };
}

/** Debian 12's pip (python3-pip-whl): 23.0.1, one of the pips (22.3–23.1) that PEP 714 is about. */
export const DEBIAN_PIP_WHEEL = "/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl";

/**
 * A venv whose pip is installed offline from a pip wheel: `python3 -m venv --without-pip`, then the
 * wheel's own pip (a wheel is importable from its path) installs that same wheel into the venv.
 */
export async function makeVenvWithPip(
  dir: string,
  home: string,
  pipWheel: string,
): Promise<{ pip: string; python: string }> {
  const env = pythonEnv(home);
  const made = await run("python3", ["-m", "venv", "--without-pip", dir], { env, timeoutMs: 120_000 });
  if (made.code !== 0) throw new Error(shown(made, "python3 -m venv --without-pip"));
  const python = join(dir, "bin", "python");
  const args = [join(pipWheel, "pip"), "install", "--no-index", "--no-deps", pipWheel];
  const r = await run(python, args, { env, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(shown(r, `installing ${pipWheel} into the venv`));
  return { pip: join(dir, "bin", "pip"), python };
}

/** `pip --version`'s version, as [major, minor]. */
export async function pipVersion(pip: string, home: string): Promise<[number, number]> {
  const r = await run(pip, ["--version"], { env: pythonEnv(home) });
  const m = /^pip (\d+)\.(\d+)/m.exec(r.output);
  if (!m) throw new Error(shown(r, "pip --version"));
  return [Number(m[1]), Number(m[2])];
}

/** `twine upload` against Wharf's /legacy/ with the given credentials. */
export function twineUpload(
  baseUrl: string,
  home: string,
  files: string[],
  auth: { username: string; password: string },
  ...flags: string[]
): Promise<Run> {
  return run(
    "twine",
    [
      "upload",
      "--non-interactive",
      "--disable-progress-bar",
      "--repository-url",
      `${baseUrl}/legacy/`,
      "-u",
      auth.username,
      "-p",
      auth.password,
      ...flags,
      ...files,
    ],
    { env: pythonEnv(home), timeoutMs: 120_000 },
  );
}

/** `pip install -v --index-url <wharf>/simple/ ...` in a venv (only Wharf is reachable). */
export function pipInstall(pip: string, baseUrl: string, home: string, ...args: string[]): Promise<Run> {
  return run(pip, ["install", "-v", "--index-url", `${baseUrl}/simple/`, ...args], {
    env: pythonEnv(home),
    timeoutMs: 120_000,
  });
}
