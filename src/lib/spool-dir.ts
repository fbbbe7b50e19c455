import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Where uploads (twine files, npm publish tarballs) wait while they are checked, on the data disk so
 * the blob store can take a file over by renaming a hard link. Emptied at start-up: whatever is there
 * was interrupted.
 */
export function spoolDir(dataDir: string): string {
  return join(dataDir, "tmp", "uploads");
}

export async function clearSpool(dataDir: string): Promise<void> {
  await rm(spoolDir(dataDir), { recursive: true, force: true });
  await mkdir(spoolDir(dataDir), { recursive: true });
}
