import { type PackageName, tarballBasename } from "../../ecosystems/npm/names.js";
import { npmErrors } from "./errors.js";

/** What a package URL under /npm/ addresses (everything except the `/-/...` endpoints). */
export type PackagePath =
  | { kind: "package"; name: string }
  | { kind: "version"; name: string; spec: string }
  | { kind: "tarball"; name: string; file: string }
  | { kind: "tarball-rev"; name: string; file: string; rev: string }
  | { kind: "rev"; name: string; rev: string };

/**
 * Parses the raw path (not Fastify's decoded params): scoped names arrive as `@scope%2fname` in one
 * segment (packuments, publish) or as `@scope/name` in two (tarballs), and both must mean the same.
 * Each segment is decoded on its own, so an encoded slash stays inside its segment.
 */
export function parsePackagePath(url: string): PackagePath | null {
  const path = url.split("?")[0]!;
  if (!path.startsWith("/npm/")) return null;
  let segs: string[];
  try {
    segs = path.slice(5).split("/").map(decodeURIComponent);
  } catch {
    throw npmErrors.NAME_INVALID("The package name in the URL is not validly encoded.");
  }
  if (segs.length === 0 || !segs[0]) return null;
  let name = segs[0];
  let rest = segs.slice(1);
  if (name.startsWith("@") && !name.includes("/")) {
    if (!rest[0]) return null;
    name = `${name}/${rest[0]}`;
    rest = rest.slice(1);
  }
  if (rest.length === 0) return { kind: "package", name };
  if (rest.length === 1 && rest[0]) return { kind: "version", name, spec: rest[0] };
  if (rest.length === 2 && rest[0] === "-" && rest[1]) return { kind: "tarball", name, file: rest[1] };
  if (rest.length === 2 && rest[0] === "-rev" && rest[1]) return { kind: "rev", name, rev: rest[1] };
  if (rest.length === 4 && rest[0] === "-" && rest[1] && rest[2] === "-rev" && rest[3])
    return { kind: "tarball-rev", name, file: rest[1], rev: rest[3] };
  return null;
}

/** The tarball URL clients download from (this registry's `/npm/` URL layout). */
export function tarballUrl(origin: string, p: PackageName, version: string): string {
  return `${origin}/npm/${p.name}/-/${tarballBasename(p, version)}`;
}
