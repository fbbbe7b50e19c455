import { distErrors, shown } from "../../ecosystems/pypi/errors.js";
import type { AppError } from "../../lib/errors.js";

/** What an sdist declares about links, collected while streaming its headers. */
export interface TarLinks {
  /** Symlink path -> target as written (relative to the link's directory). */
  symlinks: Map<string, string>;
  /** Hard link path -> target as written (relative to the archive root), and whether that target
   * was a regular file earlier in the archive (extractors link to what they already wrote). */
  hardlinks: Map<string, { target: string; normalized: string | undefined; earlierFile: boolean }>;
}

function unsafeLink(path: string, target: string, why: string): AppError {
  return distErrors.ARCHIVE_UNSAFE_LINK(
    `The sdist link '${shown(path, 60)}' -> '${shown(target, 60)}' is not allowed: ${why}`,
  );
}

function checkTargetSyntax(path: string, target: string): void {
  if (target === "") throw unsafeLink(path, target, "the target is empty");
  if (target.includes("\0") || target.includes("\\")) {
    throw unsafeLink(path, target, "the target contains a NUL or a backslash");
  }
  if (target.startsWith("/") || /^[A-Za-z]:/.test(target)) {
    throw unsafeLink(path, target, "the target is an absolute path");
  }
}

/**
 * A symlink may point anywhere inside the sdist's top directory, resolved lexically from the link's
 * own directory. '..' is only accepted as a leading run ("../pkg/x.py"): together with the rule
 * that no member lies below a symlink, every directory the resolution walks up through is a real
 * one, so the lexical result is the physical one. ("a/../.." through a symlinked "a" is not.)
 */
function checkSymlink(path: string, target: string, topDir: string): void {
  checkTargetSyntax(path, target);
  const resolved = path.split("/").slice(0, -1);
  let descended = false;
  for (const segment of target.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (descended) throw unsafeLink(path, target, "'..' may only appear at the start of the target");
      if (resolved.length <= 1) throw unsafeLink(path, target, "it points outside the sdist's directory");
      resolved.pop();
    } else {
      descended = true;
      resolved.push(segment);
    }
  }
  if (resolved[0] !== topDir) throw unsafeLink(path, target, "it points outside the sdist's directory");
}

/** Tar hard links name their target from the archive root; it must be an earlier regular file. */
function checkHardlink(
  path: string,
  target: string,
  normalized: string | undefined,
  topDir: string,
  earlierFile: boolean,
): void {
  checkTargetSyntax(path, target);
  if (normalized === undefined || normalized.split("/")[0] !== topDir) {
    throw unsafeLink(path, target, "it points outside the sdist's directory");
  }
  if (!earlierFile) throw unsafeLink(path, target, "the target is not a regular file earlier in the archive");
}

/**
 * Link rules (the tar-slip family; older pip extracted sdist symlinks without checking them, and
 * Python's tarfile only gained its "data" filter in 3.12):
 *  - no member, link or hard-link target lies below a symlink (a member written "through" a link
 *    to /etc or ../.. lands outside the destination);
 *  - symlinks stay inside the top directory (checkSymlink);
 *  - hard links point to an earlier regular file inside the top directory.
 */
export function checkLinks(links: TarLinks, members: Iterable<string>, topDir: string): void {
  if (links.symlinks.size === 0 && links.hardlinks.size === 0) return;
  const below = (member: string): string | undefined => {
    const segments = member.split("/");
    for (let i = 1; i < segments.length; i++) {
      const prefix = segments.slice(0, i).join("/");
      if (links.symlinks.has(prefix)) return prefix;
    }
    return undefined;
  };
  for (const member of members) {
    const via = below(member);
    if (via !== undefined) {
      throw distErrors.ARCHIVE_UNSAFE_LINK(
        `The sdist member '${shown(member, 60)}' lies below the symbolic link '${shown(via, 60)}'`,
      );
    }
  }
  for (const [path, target] of links.symlinks) checkSymlink(path, target, topDir);
  for (const [path, { target, normalized, earlierFile }] of links.hardlinks) {
    checkHardlink(path, target, normalized, topDir, earlierFile);
    if (below(normalized!) !== undefined) {
      throw unsafeLink(path, target, "the target lies below a symbolic link");
    }
  }
}
