import { posix } from "node:path";
import { npmErrors } from "./errors.js";
import type { Digests, Inspected } from "./tarball.js";
import { shown } from "./tarball-members.js";

/**
 * Manifest confusion (issue 11, item 10): npm installs what the tarball's package.json says — it
 * runs its lifecycle scripts and links its bins — while resolving the tree from the registry's
 * metadata. A publisher who sends one manifest and packs another hides install scripts and
 * dependencies from every reviewer and audit tool. So the fields that change what an install does are
 * taken from the tarball, normalized as `npm publish` normalizes them (@npmcli/package-json), and a
 * manifest that hides any of them is refused.
 */
export const INSTALL_FIELDS = [
  "scripts",
  "gypfile",
  "dependencies",
  "optionalDependencies",
  "peerDependencies",
  "peerDependenciesMeta",
  "bundleDependencies",
  "bundledDependencies",
  "bin",
  "os",
  "cpu",
  "libc",
  "engines",
  "_hasShrinkwrap",
  "hasInstallScript",
] as const;

/** The dist fields the registry computes itself; anything else a publisher puts in `dist` is dropped. */
export const COMPUTED_DIST = ["integrity", "shasum", "tarball", "fileCount", "unpackedSize"] as const;

/** npm runs these on `npm install` (and `hasInstallScript` announces them in the abbreviated packument). */
const INSTALL_HOOKS = ["preinstall", "install", "postinstall"] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** `{name: string}` maps: npm drops non-string values when it normalizes a manifest. */
function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(v)) if (typeof s === "string") out[k] = s;
  return out;
}

function stringList(v: unknown): string[] | undefined {
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : undefined;
}

/** A path kept inside the package: joined onto "/" so '..' cannot climb out, then made relative. */
const inside = (p: string) => posix.join("/", p.replace(/\\/g, "/")).slice(1);

/**
 * `bin` as npm links it: a string names one bin after the package's unscoped name; keys are reduced
 * to a base name and targets kept inside the package; `directories.bin` lists every file under it.
 */
function bins(pkg: Json, name: string, files: string[]): Record<string, string> | undefined {
  let raw: unknown = pkg.bin;
  if (typeof raw === "string") raw = { [name]: raw };
  const dir = isObject(pkg.directories) ? pkg.directories.bin : undefined;
  if (raw === undefined && typeof dir === "string") {
    const base = `${inside(dir)}/`;
    raw = Object.fromEntries(
      files
        .filter(
          (f) =>
            f.startsWith(base) &&
            !f
              .slice(base.length)
              .split("/")
              .some((s) => s.startsWith(".")),
        )
        .map((f) => [posix.basename(f), f]),
    );
  }
  if (!isObject(raw)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, target] of Object.entries(raw)) {
    const binName = inside(posix.basename(key.replace(/[\\:]/g, "/")));
    const path = typeof target === "string" ? inside(target) : "";
    if (binName && path) out[binName] = path;
  }
  return Object.keys(out).length ? out : undefined;
}

const BIN_PREFIX = /^(\.[/\\])?node_modules[/\\]\.bin[/\\]/;

/**
 * Scripts as npm publishes them: string values only, `node_modules/.bin/` prefixes stripped, and
 * `install: node-gyp rebuild` added when a root *.gyp file exists without an install or preinstall
 * script (npm runs node-gyp for such packages unless `gypfile: false`).
 */
function scripts(pkg: Json, files: string[]): { scripts?: Record<string, string>; gypfile?: boolean } {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(stringMap(pkg.scripts) ?? {})) out[k] = v.replace(BIN_PREFIX, "");
  const gyp = files.some((f) => !f.includes("/") && f.endsWith(".gyp"));
  let gypfile = typeof pkg.gypfile === "boolean" ? pkg.gypfile : undefined;
  if (gyp && gypfile !== false && !out.install && !out.preinstall) {
    out.install = "node-gyp rebuild";
    gypfile = true;
  }
  return { scripts: Object.keys(out).length ? out : undefined, gypfile };
}

/** The install-relevant fields, from the tarball's own package.json and file list. */
export function installFields(tarball: Inspected, unscopedName: string): Json {
  const pkg = tarball.packageJson;
  const deps = stringMap(pkg.dependencies);
  const bundled = pkg.bundleDependencies ?? pkg.bundledDependencies;
  const out: Json = {
    ...scripts(pkg, tarball.files),
    dependencies: deps,
    optionalDependencies: stringMap(pkg.optionalDependencies),
    peerDependencies: stringMap(pkg.peerDependencies),
    peerDependenciesMeta: isObject(pkg.peerDependenciesMeta) ? pkg.peerDependenciesMeta : undefined,
    bundleDependencies: bundled === true ? Object.keys(deps ?? {}) : stringList(bundled),
    bin: bins(pkg, unscopedName, tarball.files),
    os: stringList(pkg.os),
    cpu: stringList(pkg.cpu),
    libc: stringList(pkg.libc),
    engines: stringMap(pkg.engines),
    // npm-shrinkwrap.json pins the whole subtree; npm only fetches it when the packument says so.
    _hasShrinkwrap: tarball.files.includes("npm-shrinkwrap.json"),
  };
  if (hooksOf(out.scripts).length) out.hasInstallScript = true;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

const keysOf = (v: unknown): string[] => (isObject(v) ? Object.keys(v) : []);
const hooksOf = (v: unknown): string[] =>
  INSTALL_HOOKS.filter((h) => isObject(v) && typeof v[h] === "string" && v[h] !== "");

/**
 * Refuses a manifest that hides install hooks or dependencies the tarball declares. Only what is
 * hidden is refused: npm normalizes the manifest from the folder on disk, so an honest client may
 * declare more than the tarball holds (an `install: node-gyp rebuild` for a binding.gyp that `files`
 * leaves out), and the stored values come from the tarball anyway. Names are compared, not ranges:
 * npm rewrites ranges (hosted git URLs) on the way.
 */
export function checkManifestMatches(sent: Json, fromTarball: Json): void {
  const hidden = (what: string, inTarball: string[], inManifest: string[]) => {
    const missing = [...new Set(inTarball.filter((k) => !inManifest.includes(k)))].sort();
    if (missing.length === 0) return;
    throw npmErrors.MANIFEST_MISMATCH(
      `The tarball's package.json declares ${what} that the manifest sent leaves out: ${shown(missing.join(", "), 200)}. Publish with npm publish.`,
    );
  };
  hidden("install scripts", hooksOf(fromTarball.scripts), hooksOf(sent.scripts));
  const deps = (m: Json) => [...keysOf(m.dependencies), ...keysOf(m.optionalDependencies)];
  hidden("dependencies", deps(fromTarball), deps(sent));
  hidden("peer dependencies", keysOf(fromTarball.peerDependencies), keysOf(sent.peerDependencies));
}

/** `dist` as stored: only what the registry computed from the bytes it received. */
export function computedDist(d: Digests, tarball: Inspected): Json {
  return {
    integrity: `sha512-${d.sha512.toString("base64")}`,
    shasum: d.sha1,
    fileCount: tarball.fileCount,
    unpackedSize: tarball.unpackedSize,
  };
}

/** Keeps only computed dist fields (rows stored before this rule may hold a publisher's signatures). */
export function servedDist(dist: unknown, tarballUrl: string): Json {
  const out: Json = {};
  if (isObject(dist)) for (const k of COMPUTED_DIST) if (dist[k] !== undefined) out[k] = dist[k];
  out.tarball = tarballUrl;
  return out;
}
