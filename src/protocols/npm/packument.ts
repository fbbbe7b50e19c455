import { tarballBasename } from "../../ecosystems/npm/names.js";
import { type Block, type BlockStore, cutBlocks, extendBlocks, renderBlocks } from "../../http/blocks.js";
import { type Rendered, renderedBytes } from "../../http/render-cache.js";
import type { ListedRelease, Project, Provenance } from "../../packages/index.js";
import type { Fragment } from "./fragments.js";
import { servedDist } from "./manifest.js";
import { latestOf, maintainers, type PackageListing, type PackageView, revOf } from "./package-view.js";
import { tarballUrl } from "./paths.js";

export const FULL_TYPE = "application/json";
export const ABBREVIATED_TYPE = "application/vnd.npm.install-v1+json";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A version a trusted publisher published (issue 16 item 4). npm's own registry marks such a version
 * with `_npmUser.trustedPublisher: {id, oidcConfigId}` (the provider and the configuration's id);
 * Wharf adds the same, and `_trustedPublisher` with where it was built (`npm view <pkg>@<v>
 * _trustedPublisher`). npm's Sigstore provenance (`dist.attestations`) is a signature Wharf does not
 * make, so `dist` is left alone.
 */
function trustedPublisherFields(
  m: Record<string, unknown>,
  p: Provenance | undefined,
): Record<string, unknown> {
  if (!p) return {};
  const user = (m._npmUser && typeof m._npmUser === "object" ? m._npmUser : {}) as Record<string, unknown>;
  return {
    _npmUser: { ...user, trustedPublisher: { id: p.provider, oidcConfigId: p.publisherId } },
    _trustedPublisher: {
      provider: p.provider,
      repository: p.repository,
      workflow: p.workflow,
      ref: p.ref,
      sha: p.sha,
      runId: p.runId,
      runAttempt: p.runAttempt,
      runUrl: p.runUrl,
      environment: p.environment,
    },
  };
}

/** One version's manifest as clients expect it: stored fields plus computed id and tarball URL. */
function manifest(
  origin: string,
  v: Pick<PackageView, "project" | "name" | "members" | "provenance">,
  r: { id: string; version: string },
  m: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...m,
    name: v.project.name,
    version: r.version,
    _id: `${v.project.name}@${r.version}`,
    maintainers: maintainers(v),
    dist: servedDist(m.dist, tarballUrl(origin, v.name, r.version)),
    ...trustedPublisherFields(m, v.provenance.get(r.id)),
  };
}

/** A release's metadata as read for this listing (one deleted since the listing renders as empty). */
const metadataOf = (v: PackageListing, r: ListedRelease) => v.metadata.get(r.id) ?? {};

/** The newest of the project's own times and its releases' (listed oldest first: the last is newest). */
function modified(v: PackageListing): number {
  return Math.max(v.project.createdAt, v.project.modifiedAt ?? 0, v.releases.at(-1)?.createdAt ?? 0);
}

// What npm's registry keeps in the abbreviated ("corgi") document: what an install needs, nothing more.
const ABBREVIATED_FIELDS = [
  "name",
  "version",
  "dependencies",
  "optionalDependencies",
  "devDependencies",
  "bundleDependencies",
  "bundledDependencies",
  "peerDependencies",
  "peerDependenciesMeta",
  "acceptDependencies",
  "bin",
  "directories",
  "dist",
  "engines",
  "cpu",
  "os",
  "libc",
  "funding",
  "deprecated",
  "_hasShrinkwrap",
] as const;

function hasInstallScript(m: Record<string, unknown>): boolean {
  const s = (m.scripts ?? {}) as Record<string, unknown>;
  return Boolean(s.preinstall || s.install || s.postinstall) || m.hasInstallScript === true;
}

function abbreviatedOf(full: Record<string, unknown>): Record<string, unknown> {
  const small: Record<string, unknown> = {};
  for (const k of ABBREVIATED_FIELDS) if (full[k] !== undefined) small[k] = full[k];
  if (hasInstallScript(full)) small.hasInstallScript = true;
  return small;
}

/** What a version adds to the packument besides its manifests: its key and its `time` entry. */
const versionParts = (r: ListedRelease) => ({
  key: Buffer.from(`${JSON.stringify(r.version)}:`),
  time: Buffer.from(`,${JSON.stringify(r.version)}:${JSON.stringify(iso(r.createdAt))}`),
});

/**
 * Every version's fragments, oldest first, reusing the kept ones whose stamp is unchanged
 * (fragments.ts); after an append, the last rendering's as they are plus the new versions'. With no
 * session (a one-off rendering) each is made afresh.
 */
function versionFragments(origin: string, v: PackageListing): Fragment[] {
  const make = (r: ListedRelease) => () => {
    const full = manifest(origin, v, r, metadataOf(v, r));
    return {
      full: Buffer.from(JSON.stringify(full)),
      abbreviated: Buffer.from(JSON.stringify(abbreviatedOf(full))),
      ...versionParts(r),
    };
  };
  const session = v.fragments;
  if (!session) return v.releases.map((r) => ({ stamp: "", ...make(r)() }));
  const out = v.extends ? [...v.extends.fragments] : [];
  for (let i = out.length; i < v.releases.length; i++) {
    const r = v.releases[i]!;
    out.push(session.fragment(r.id, v.stampOf(r), make(r)));
  }
  return out;
}

const COMMA = Buffer.from(",");

/**
 * The versions' runs cut into blocks (blocks.ts): `"<version>": <manifest>` members joined by commas as
 * JSON.stringify writes them, for the full and the abbreviated document, and the full one's `time`
 * entries. After an append only the new versions are cut, onto the last rendering's blocks, so that
 * only the last block of each run is compressed and hashed again.
 */
function versionRuns(v: PackageListing, fragments: Fragment[]): Map<string, Block[]> {
  const last = v.extends;
  const from = last?.releases.length ?? 0;
  // `key` names the run among the package's; `label` the blocks within their document.
  const run = (key: string, label: string, parts: (f: Fragment, i: number) => Buffer[]) => {
    const more: Buffer[] = [];
    for (let i = from; i < fragments.length; i++) more.push(...parts(fragments[i]!, i));
    const kept = last?.runs.get(key);
    return [key, kept ? extendBlocks(label, kept, more) : cutBlocks(label, more)] as const;
  };
  const member = (pick: (f: Fragment) => Buffer) => (f: Fragment, i: number) =>
    i > 0 ? [COMMA, f.key, pick(f)] : [f.key, pick(f)];
  const runs = new Map<string, Block[]>([
    run(
      "full",
      "versions",
      member((f) => f.full),
    ),
    run(
      "abbreviated",
      "versions",
      member((f) => f.abbreviated),
    ),
    run("times", "times", (f) => [f.time]),
  ]);
  v.fragments?.done({
    releases: v.releases,
    fragments,
    people: v.people,
    provenance: v.provenanceJson,
    runs,
  });
  return runs;
}

/** `{...head,"<key>":{` : the head as JSON.stringify writes it, opening the versions object. */
const opening = (head: Record<string, unknown>, key: string) =>
  Buffer.from(`${JSON.stringify(head).slice(0, -1)},${JSON.stringify(key)}:{`);

/**
 * The full packument, as JSON.stringify would write the whole object (same keys, same order, same
 * bytes), in blocks: the head, the versions' manifests, `time` (its versions' entries kept with the
 * fragments) and the tail.
 */
function fullBlocks(v: PackageListing, runs: Map<string, Block[]>): Block[] {
  const latest = latestOf(v);
  const lm = latest ? metadataOf(v, latest) : {};
  const head = {
    _id: v.project.name,
    _rev: revOf(v.project),
    name: v.project.name,
    description: v.summary ?? "",
    "dist-tags": v.tags,
  };
  const time = { created: iso(v.project.createdAt), modified: iso(modified(v)) };
  const tail: Record<string, unknown> = {
    maintainers: maintainers(v),
    readme: v.readme ?? "",
    readmeFilename: v.readme ? "README.md" : "",
  };
  for (const k of ["homepage", "repository", "bugs", "license", "keywords", "author"]) {
    if (lm[k] !== undefined) tail[k] = lm[k];
  }
  if (v.stars.length) tail.users = Object.fromEntries(v.stars.map((u) => [u, true]));
  return [
    { label: "head", parts: [opening(head, "versions")] },
    ...runs.get("full")!,
    { label: "time", parts: [Buffer.from(`},"time":${JSON.stringify(time).slice(0, -1)}`)] },
    ...runs.get("times")!,
    { label: "tail", parts: [Buffer.from(`},${JSON.stringify(tail).slice(1)}`)] },
  ];
}

function abbreviatedBlocks(v: PackageListing, runs: Map<string, Block[]>): Block[] {
  // `_rev` and `maintainers` are not in npm's abbreviated document, but yarn 1's `owner add|rm` reads
  // this one and sends back what it found: without them it PUT `-rev/undefined` and an empty owner list.
  const head = {
    _id: v.project.name,
    _rev: revOf(v.project),
    name: v.project.name,
    modified: iso(modified(v)),
    "dist-tags": v.tags,
    maintainers: maintainers(v),
  };
  return [
    { label: "head", parts: [opening(head, "versions")] },
    ...runs.get("abbreviated")!,
    { label: "tail", parts: [Buffer.from("}}")] },
  ];
}

/** The full packument, rendered once (`?write=true`: writers read the current `_rev`). */
export function renderFull(origin: string, v: PackageListing, blocks?: BlockStore): Promise<Rendered> {
  const runs = versionRuns(v, versionFragments(origin, v));
  return renderBlocks(blocks, `${v.project.id}\0full`, fullBlocks(v, runs), FULL_TYPE);
}

/** Tarball base name → what serving it needs. */
export interface TarballEntry {
  projectId: string;
  version: string;
  blobKey: string;
  size: number;
  sha256: string;
}

export function tarballIndex(v: PackageListing): Map<string, TarballEntry> {
  const out = new Map<string, TarballEntry>();
  for (const r of v.releases) {
    const f = r.files[0];
    if (!f) continue;
    out.set(tarballBasename(v.name, r.version), {
      projectId: v.project.id,
      version: r.version,
      blobKey: f.blobKey,
      size: f.size,
      sha256: f.sha256,
    });
  }
  return out;
}

/** Everything served about one package, rendered once per change. */
export interface PackageState {
  projectId: string;
  project: Project;
  /** Null when every version was unpublished (the name stays with its owners). */
  full: Rendered | null;
  abbreviated: Rendered | null;
  tarballs: Map<string, TarballEntry>;
  tags: Record<string, string>;
  /** Each version's manifest as `GET /npm/<pkg>/<version>` serves it (the full packument's entry). */
  manifests: Map<string, Buffer>;
  /** For search results: the latest version's headline fields. */
  latest: { version: string; description: string; keywords: unknown[]; date: string } | null;
  bytes: number;
}

function latestInfo(v: PackageListing): PackageState["latest"] {
  const r = latestOf(v);
  if (!r) return null;
  const k = metadataOf(v, r).keywords;
  return {
    version: r.version,
    description: v.summary ?? "",
    keywords: Array.isArray(k) ? k : [],
    date: iso(r.createdAt),
  };
}

/**
 * Renders both documents from the versions' fragments (kept in `store` for the next rendering), in
 * blocks whose gzip and hashes are kept in `blocks` (blocks.ts): after an append only the head, the
 * last blocks and the tail are compressed again, in the thread pool.
 */
export async function renderState(
  origin: string,
  v: PackageListing,
  blocks?: BlockStore,
): Promise<PackageState> {
  const empty = v.releases.length === 0;
  const fragments = versionFragments(origin, v);
  const runs = versionRuns(v, fragments);
  const id = v.project.id;
  const [full, abbreviated] = empty
    ? [null, null]
    : await Promise.all([
        renderBlocks(blocks, `${id}\0full`, fullBlocks(v, runs), FULL_TYPE),
        renderBlocks(blocks, `${id}\0abbreviated`, abbreviatedBlocks(v, runs), ABBREVIATED_TYPE),
      ]);
  const size = (r: Rendered | null) => (r ? renderedBytes(r) : 0);
  // Both indexes are built on first use, not per rendering: a write re-renders the packuments at once,
  // and building 5,000 entries each (~5 ms on this machine) was as much as the rest of an append's work.
  let tarballs: Map<string, TarballEntry> | undefined;
  let manifests: Map<string, Buffer> | undefined;
  return {
    projectId: v.project.id,
    project: v.project,
    full,
    abbreviated,
    get tarballs() {
      tarballs ??= tarballIndex(v);
      return tarballs;
    },
    tags: v.tags,
    get manifests() {
      manifests ??= new Map(v.releases.map((r, i) => [r.version, fragments[i]!.full]));
      return manifests;
    },
    latest: latestInfo(v),
    bytes: size(full) + size(abbreviated) + v.releases.length * 200,
  };
}
