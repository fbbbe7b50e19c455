import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";

/**
 * The data folder holds the database, the secret key, mail with sign-in links (outbox) and upload
 * spools: only the account running Wharf may enter it (issue 11, LOW 16). Created 0700; a looser
 * folder that we own is tightened, with a warning; one we do not own is left alone, with a warning.
 */
export function prepareDataDir(dir: string, warn: (message: string) => void): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = statSync(dir);
  if ((info.mode & 0o077) === 0) return;
  const mode = (info.mode & 0o777).toString(8);
  if (process.getuid && info.uid === process.getuid()) {
    chmodSync(dir, 0o700);
    warn(`The data folder ${dir} was readable by other accounts (mode ${mode}); it is now 0700.`);
  } else {
    warn(
      `The data folder ${dir} is readable by other accounts (mode ${mode}) and belongs to another account: make it 0700 (chmod 700 ${dir}).`,
    );
  }
}

export class DataDirLockedError extends Error {}

export interface DataDirLock {
  release(): void;
}

/**
 * One `wharf serve` per data folder (issue 11, LOW 18: a second server emptied the live one's upload
 * spool at start, then failed to bind). The lock is an exclusive SQLite lock on `wharf.lock`, held by
 * an open connection: the kernel drops it when the process dies however it dies, so there is no stale
 * lock to clean up and no guessing whether a recorded pid is still ours. Take it before anything in the
 * folder is touched. The pid file only makes the refusal message useful.
 */
export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pidFile = join(dir, "wharf.pid");
  const lockFile = join(dir, "wharf.lock");
  closeSync(openSync(lockFile, "a", 0o600));
  const lock = new SQLite(lockFile, { timeout: 0 });
  try {
    lock.pragma("locking_mode = EXCLUSIVE");
    // The first write under locking_mode=EXCLUSIVE takes the exclusive lock and keeps it until close.
    lock.exec("BEGIN EXCLUSIVE");
  } catch (e) {
    lock.close();
    if ((e as { code?: string }).code !== "SQLITE_BUSY") throw e;
    const pid = readPid(pidFile);
    throw new DataDirLockedError(
      `Another Wharf server${pid ? ` (pid ${pid})` : ""} is using the data folder ${dir}. ` +
        "Stop it first, or give this one its own --data-dir (several instances share PostgreSQL and S3, not a data folder).",
    );
  }
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  return {
    release() {
      if (lock.open) lock.close();
    },
  };
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
