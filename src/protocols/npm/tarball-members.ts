import type { AppError } from "../../lib/errors.js";
import { npmErrors } from "./errors.js";

/** Untrusted text in an error message: printable ASCII, short (npm prints body.error verbatim). */
export const shown = (value: string, max = 100): string => {
  const clean = value.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
};

function unsafe(name: string, why: string): AppError {
  return npmErrors.TARBALL_UNSAFE(
    `The tarball member '${shown(name)}' ${why}; npm pack never writes that. Publish with npm publish.`,
  );
}

/**
 * The member's path inside the package ("" for the `package/` directory itself), or a refusal.
 *
 * `npm pack` writes regular files only, every one named `package/<relative path>` with '/' separators.
 * Anything else is a crafted tarball: '..' segments, absolute paths, drive letters and backslashes
 * (a separator on Windows) let an extractor write outside its destination (tar path traversal); a
 * NUL truncates the name for C-string consumers. The result is normalized ("." and empty segments
 * dropped) so that `package/./package.json` or `package//x` cannot pose as a second copy of a member
 * that an extractor would write over the one the registry read.
 */
export function memberPath(name: string): string {
  if (name === "") throw unsafe(name, "has an empty name");
  if (name.includes("\0")) throw unsafe(name, "contains a NUL character");
  if (name.includes("\\")) throw unsafe(name, "contains a backslash");
  if (name.startsWith("/")) throw unsafe(name, "is an absolute path");
  if (/^[A-Za-z]:/.test(name)) throw unsafe(name, "starts with a drive letter");
  const segments = name.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw unsafe(name, "contains a '..' segment");
  if (segments[0] !== "package") throw unsafe(name, "is not under package/");
  return segments.slice(1).join("/");
}

const FILE_TYPES = new Set(["file", "contiguous-file"]);

/**
 * Tracks the members of one tarball: refuses links, devices and FIFOs (npm pack writes none, and a
 * symlink or hard link can point an extractor outside the package) and any path seen twice (the
 * registry would read the first `package/package.json` while `tar` keeps the last one).
 */
export class Members {
  private readonly seen = new Set<string>();
  /** Regular files' paths inside the package, in tarball order. */
  readonly files: string[] = [];

  /** Returns the member's normalized path inside the package, and whether it is a regular file. */
  add(name: string, type: string | null | undefined): { path: string; isFile: boolean } {
    const path = memberPath(name);
    const kind = type ?? "file";
    const isFile = FILE_TYPES.has(kind);
    if (!isFile && kind !== "directory") throw unsafe(name, `is a ${shown(kind, 20)}, not a file`);
    if (path === "" && isFile) throw unsafe(name, "is a file where the package directory belongs");
    if (this.seen.has(path))
      throw npmErrors.TARBALL_UNSAFE(
        `The tarball holds 'package/${shown(path)}' twice; npm pack never writes that. Publish with npm publish.`,
      );
    this.seen.add(path);
    if (isFile) this.files.push(path);
    return { path, isFile };
  }
}
