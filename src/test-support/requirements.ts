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
