import { createHash } from "node:crypto";
import type { Db } from "../../db/index.js";
import { type PackageName, parsePackageName, tarballBasename } from "../../ecosystems/npm/names.js";
import { type Rendered, rendered } from "../../http/render-cache.js";
import {
  findProject,
  listDistTags,
  listMembers,
  listReleases,
  type Member,
  type Project,
  type Provenance,
  provenanceFor,
  type Release,
  starredBy,
} from "../../packages/index.js";
import { servedDist } from "./manifest.js";
import { tarballUrl } from "./paths.js";

export const FULL_TYPE = "application/json";
export const ABBREVIATED_TYPE = "application/vnd.npm.install-v1+json";

export interface PackageView {
  project: Project;
  name: PackageName;
  /** Oldest first (publish order, as npm lists them). */
  releases: Release[];
  tags: Record<string, string>;
  members: Member[];
  /** Usernames who starred it (`npm star`), served as the packument's `users`. */
  stars: string[];
  /** Versions a trusted publisher published, by release id: where they were built. */
  provenance: Map<string, Provenance>;
}

export async function loadPackageView(db: Db, name: string): Promise<PackageView | null> {
  const project = await findProject(db, "npm", name);
  if (!project) return null;
  const [releases, tags, members, stars, provenance] = await Promise.all([
    listReleases(db, project.id),
    listDistTags(db, project.id),
    listMembers(db, project.id),
    starredBy(db, project.id),
    provenanceFor(db, { projectId: project.id }),
  ]);
  return {
    project,
    name: parsePackageName(project.name),
    releases,
    tags,
    members,
    stars,
    provenance: new Map(provenance.map((p) => [p.releaseId, p])),
  };
}

/** CouchDB-style revision: changes whenever the project's serial does (optimistic concurrency for writes). */
export function revOf(project: Project): string {
  const h = createHash("sha256").update(`${project.id}:${project.serial}`).digest("hex").slice(0, 16);
  return `${project.serial}-${h}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Maintainer entries. Emails are left empty on purpose: harvested packument emails fed the 2025 npm phishing wave. */
const maintainers = (v: PackageView) => v.members.map((m) => ({ name: m.username, email: "" }));

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
function manifest(origin: string, v: PackageView, r: Release): Record<string, unknown> {
  const m = r.metadata;
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

function latestOf(v: PackageView): Release | undefined {
  return v.releases.find((r) => r.version === v.tags.latest) ?? v.releases.at(-1);
}

/** A deprecation, a tag or an owner change advances it too: mirrors and tools poll it for changes. */
function modified(v: PackageView): number {
  return Math.max(v.project.createdAt, v.project.modifiedAt ?? 0, ...v.releases.map((r) => r.createdAt));
}

export function renderFull(origin: string, v: PackageView): Rendered {
  const latest = latestOf(v);
  const lm = latest?.metadata ?? {};
  const time: Record<string, string> = { created: iso(v.project.createdAt), modified: iso(modified(v)) };
  const versions: Record<string, unknown> = {};
  for (const r of v.releases) {
    versions[r.version] = manifest(origin, v, r);
    time[r.version] = iso(r.createdAt);
  }
  const top: Record<string, unknown> = {
    _id: v.project.name,
    _rev: revOf(v.project),
    name: v.project.name,
    description: latest?.summary ?? "",
    "dist-tags": v.tags,
    versions,
    time,
    maintainers: maintainers(v),
    readme: latest?.description ?? "",
    readmeFilename: latest?.description ? "README.md" : "",
  };
  for (const k of ["homepage", "repository", "bugs", "license", "keywords", "author"]) {
    if (lm[k] !== undefined) top[k] = lm[k];
  }
  if (v.stars.length) top.users = Object.fromEntries(v.stars.map((u) => [u, true]));
  return rendered(JSON.stringify(top), "application/json");
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

export function renderAbbreviated(origin: string, v: PackageView): Rendered {
  const versions: Record<string, unknown> = {};
  for (const r of v.releases) {
    const full = manifest(origin, v, r);
    const small: Record<string, unknown> = {};
    for (const k of ABBREVIATED_FIELDS) if (full[k] !== undefined) small[k] = full[k];
    if (hasInstallScript(full)) small.hasInstallScript = true;
    versions[r.version] = small;
  }
  // `_rev` and `maintainers` are not in npm's abbreviated document, but yarn 1's `owner add|rm` reads
  // this one and sends back what it found: without them it PUT `-rev/undefined` and an empty owner list.
  const doc = {
    _id: v.project.name,
    _rev: revOf(v.project),
    name: v.project.name,
    modified: iso(modified(v)),
    "dist-tags": v.tags,
    maintainers: maintainers(v),
    versions,
  };
  return rendered(JSON.stringify(doc), ABBREVIATED_TYPE);
}

/** Tarball base name → what serving it needs. */
export interface TarballEntry {
  projectId: string;
  version: string;
  blobKey: string;
  size: number;
  sha256: string;
}

export function tarballIndex(v: PackageView): Map<string, TarballEntry> {
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
  /** For search results: the latest version's headline fields. */
  latest: { version: string; description: string; keywords: unknown[]; date: string } | null;
  bytes: number;
}

function latestInfo(v: PackageView): PackageState["latest"] {
  const r = latestOf(v);
  if (!r) return null;
  const k = r.metadata.keywords;
  return {
    version: r.version,
    description: r.summary ?? "",
    keywords: Array.isArray(k) ? k : [],
    date: iso(r.createdAt),
  };
}

export function renderState(origin: string, v: PackageView): PackageState {
  const empty = v.releases.length === 0;
  const full = empty ? null : renderFull(origin, v);
  const abbreviated = empty ? null : renderAbbreviated(origin, v);
  const size = (r: Rendered | null) => (r ? r.body.length + r.gzip.length : 0);
  return {
    projectId: v.project.id,
    project: v.project,
    full,
    abbreviated,
    tarballs: tarballIndex(v),
    latest: latestInfo(v),
    bytes: size(full) + size(abbreviated) + v.releases.length * 200,
  };
}
