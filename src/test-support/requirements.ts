import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * What the optional suites need from the machine, and how to get it. Without CI, a missing tool skips
 * its suite and says how to install it; with CI=true a missing tool fails the run (nothing may be
 * skipped silently in CI).
 */
const REQUIREMENTS = {
  postgres: {
    check: () => Boolean(process.env.WHARF_TEST_DATABASE_URL),
    install:
      "apt-get install -y postgresql, then WHARF_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test",
  },
  redis: {
    check: () => Boolean(process.env.WHARF_TEST_REDIS_URL),
    install: "apt-get install -y redis-server, then WHARF_TEST_REDIS_URL=redis://127.0.0.1:6379",
  },
  chromium: {
    check: () => existsSync(process.env.WHARF_TEST_CHROMIUM ?? "/usr/bin/chromium"),
    install: "apt-get install -y chromium",
  },
  twine: { check: () => onPath("twine"), install: "apt-get install -y twine" },
  pip: { check: () => onPath("pip") || onPath("pip3"), install: "apt-get install -y python3-pip" },
  npm: { check: () => onPath("npm"), install: "apt-get install -y npm" },
  gem: { check: () => onPath("gem"), install: "apt-get install -y --no-install-recommends ruby" },
  ruby: { check: () => onPath("ruby"), install: "apt-get install -y --no-install-recommends ruby" },
  bundle: {
    check: () => onPath("bundle"),
    install: "apt-get install -y --no-install-recommends ruby-bundler",
  },
  // A real reverse proxy in front of Wharf (test/e2e/reverse-proxy.security.test.ts).
  nginx: { check: () => nginxBinary() !== undefined, install: "apt-get install -y nginx-light" },
  // A pseudo-terminal for npm's prompts (OTP, web login): util-linux `script`.
  script: { check: () => onPath("script"), install: "apt-get install -y util-linux" },
  // Debian 12's own pip 23.0.1 as a wheel, installed offline into a venv for the pip matrix
  // (test/e2e/pypi.pips.test.ts): one of the pips that crashed on the legacy JSON metadata key.
  "debian-pip-wheel": {
    check: () => existsSync("/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl"),
    install: "apt-get install -y python3-pip-whl (Debian 12: pip 23.0.1)",
  },
  pipenv: { check: () => onPath("pipenv"), install: "apt-get install -y pipenv" },
  // A fresh virtual environment with its own pip, for installing from Wharf in isolation.
  venv: {
    check: () => runs("python3", ["-c", "import venv, ensurepip"]),
    install: "apt-get install -y python3-venv",
  },
  // Real wheels and sdists built by setuptools' PEP 517 backend (no network: no build isolation).
  "wheel-build": {
    check: () => wheelBuildPython() !== undefined,
    install: "apt-get install -y python3-setuptools python3-wheel",
  },
} as const;

export type RequirementName = keyof typeof REQUIREMENTS;

function onPath(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function runs(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** nginx is in /usr/sbin, which a non-root PATH often lacks; WHARF_TEST_NGINX overrides. */
export function nginxBinary(): string | undefined {
  const candidates = [process.env.WHARF_TEST_NGINX, "/usr/sbin/nginx", "/usr/bin/nginx"];
  return candidates.find((p) => p && existsSync(p));
}

let buildPython: string | null | undefined;

/**
 * A Python that can build distributions offline: setuptools ≥ 61 (PEP 621 metadata in pyproject.toml)
 * and the `wheel` package. A pyenv or venv python3 often lacks `wheel`; Debian's /usr/bin/python3 has
 * both with python3-setuptools and python3-wheel. WHARF_TEST_BUILD_PYTHON overrides.
 */
export function wheelBuildPython(): string | undefined {
  if (buildPython === undefined) {
    const probe =
      "import setuptools, setuptools.build_meta, wheel; assert int(setuptools.__version__.split('.')[0]) >= 61";
    const candidates = [process.env.WHARF_TEST_BUILD_PYTHON, "python3", "/usr/bin/python3"];
    buildPython = candidates.find((py) => py && runs(py, ["-c", probe])) ?? null;
  }
  return buildPython ?? undefined;
}

const announced = new Set<string>();

export function requirement(name: RequirementName): { available: boolean; install: string } {
  const r = REQUIREMENTS[name];
  const available = r.check();
  if (!available && process.env.CI === "true") {
    throw new Error(`CI=true but ${name} is missing: ${r.install}`);
  }
  return { available, install: r.install };
}

/** For `describe.skipIf(...)`: true when every requirement is present; logs how to install the rest. */
export function missing(suite: string, ...names: RequirementName[]): boolean {
  const absent = names.filter((n) => !requirement(n).available);
  if (absent.length && !announced.has(suite)) {
    announced.add(suite);
    console.warn(
      `SKIPPED suite "${suite}": needs ${absent.map((n) => `${n} (${REQUIREMENTS[n].install})`).join("; ")}`,
    );
  }
  return absent.length > 0;
}
