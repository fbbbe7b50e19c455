import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
// What `wharf` runs (bin/wharf.js): the bundled build, so the suites check what ships.
export const WHARF_MAIN = join(ROOT, "dist", "bundle", "main.js");

const LOCK = join(tmpdir(), `wharf-e2e-build-${Buffer.from(ROOT).toString("hex").slice(-24)}.lock`);
const BUILD_TIMEOUT_MS = 180_000;

/**
 * `npm test` builds dist/ before vitest starts; a bare `npx vitest run test/e2e` may not. Builds once
 * when dist/main.js is missing. Test files run in parallel workers, so a lock directory makes the
 * others wait for the one build instead of running tsc over the same files at the same time.
 */
export async function ensureBuilt(): Promise<void> {
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  while (!existsSync(WHARF_MAIN)) {
    if (tryLock()) {
      try {
        if (!existsSync(WHARF_MAIN)) {
          execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit", timeout: BUILD_TIMEOUT_MS });
        }
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
      return;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for another worker to build ${WHARF_MAIN}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  warnIfStale();
}

/** The suites run dist/, not src/: say so when src/ changed after the last build (`npm test` rebuilds). */
function warnIfStale(): void {
  const built = statSync(WHARF_MAIN).mtimeMs;
  const src = join(ROOT, "src");
  const newer = readdirSync(src, { recursive: true, encoding: "utf8" }).find(
    (f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && statSync(join(src, f)).mtimeMs > built,
  );
  if (newer)
    console.warn(`dist/ is older than src/${newer}: the e2e suites run dist/; run \`npm run build\`.`);
}

function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    // A lock older than a build can take was left by a killed run.
    if (Date.now() - statSync(LOCK).mtimeMs > BUILD_TIMEOUT_MS)
      rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}
