import { createHash } from "node:crypto";
import type { Db } from "../../db/index.js";
import { type PackageName, parsePackageName } from "../../ecosystems/npm/names.js";
import {
  findProject,
  type ListedRelease,
  type ListingStore,
  listDistTags,
  listMembers,
  listReleases,
  type Member,
  type Project,
  type Provenance,
  provenanceFor,
  type Release,
  readListing,
  releaseMetadata,
  releaseText,
  starredBy,
} from "../../packages/index.js";
import type { FragmentSession, FragmentStore, LastRendering } from "./fragments.js";

/*
 * What an npm package is read as: the whole view the write paths change (PackageView) and the slimmer
 * listing the packument is rendered from (PackageListing). Rendering is packument.ts.
 */

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
  // Write paths read versions, metadata and files, never a README (the packument's is the latest's).
  const [releases, basics] = await Promise.all([
    listReleases(db, project.id, { descriptions: false }),
    loadBasics(db, project),
  ]);
  return { ...basics, releases };
}

/** A package without its releases: tags, people, stars, provenance (dist-tag, access and owner reads). */
export async function loadPackageBasics(db: Db, name: string): Promise<Omit<PackageView, "releases"> | null> {
  const project = await findProject(db, "npm", name);
  return project ? loadBasics(db, project) : null;
}

/** CouchDB-style revision: changes whenever the project's serial does (optimistic concurrency for writes). */
export function revOf(project: Project): string {
  const h = createHash("sha256").update(`${project.id}:${project.serial}`).digest("hex").slice(0, 16);
  return `${project.serial}-${h}`;
}

/** What both views read besides the releases: tags, people, stars and where versions were built. */
async function loadBasics(db: Db, project: Project) {
  const [tags, members, stars, provenance] = await Promise.all([
    listDistTags(db, project.id),
    listMembers(db, project.id),
    starredBy(db, project.id),
    provenanceFor(db, { projectId: project.id }),
  ]);
  return {
    project,
    name: parsePackageName(project.name),
    tags,
    members,
    stars,
    provenance: new Map(provenance.map((p) => [p.releaseId, p])),
  };
}

/** Maintainer entries. Emails are left empty on purpose: harvested packument emails fed the 2025 npm phishing wave. */
export const maintainers = (v: Pick<PackageView, "members">) =>
  v.members.map((m) => ({ name: m.username, email: "" }));

/**
 * What the read model renders (issue 15 item 2): releases without their READMEs or metadata. Only the
 * latest's README is loaded, since npm's registry puts one README in a packument, the top-level
 * `readme` (the latest version's), and none in the versions; and only the metadata of the latest and of
 * the versions whose kept fragment is missing or stale (fragments.ts).
 */
export interface PackageListing extends Omit<PackageView, "releases"> {
  /** Oldest first (publish order, as npm lists them). */
  releases: ListedRelease[];
  /** The latest version's README. */
  readme: string | null;
  /** The latest version's summary (the packument's `description`). */
  summary: string | null;
  /** Parsed metadata by release id: the latest's, and each version's that is serialised anew. */
  metadata: Map<string, Record<string, unknown>>;
  /** The maintainers as every manifest carries them, serialised (part of each fragment's stamp). */
  people: string;
  /** Each release's provenance, serialised, for the releases that have one (part of its stamp). */
  provenanceJson: Map<string, string>;
  /** A release's fragment stamp: its metadata revision, the maintainers, its provenance. */
  stampOf(r: ListedRelease): string;
  /** The fragment session this listing was read for; without one every version is serialised anew. */
  fragments?: FragmentSession;
  /** The last rendering, when this listing only appends versions to it (fragments.ts appendsTo). */
  extends?: LastRendering;
}

export async function loadPackageListing(
  db: Db,
  name: string,
  store?: FragmentStore,
  listings?: ListingStore,
): Promise<PackageListing | null> {
  const project = await findProject(db, "npm", name);
  if (!project) return null;
  // With a listing store only the releases changed since the last read are read (packages/listing.ts).
  const [releases, basics] = await Promise.all([
    readListing(db, project.id, listings),
    loadBasics(db, project),
  ]);
  const { tags, members, provenance } = basics;
  // Everything manifest() reads besides the release id: the origin and the name never change for it.
  const people = JSON.stringify(maintainers({ members }));
  const provenanceJson = new Map<string, string>();
  for (const [id, p] of provenance) provenanceJson.set(id, JSON.stringify(p));
  const stampOf = (r: ListedRelease) => `${r.metadataRev}\0${people}\0${provenanceJson.get(r.id) ?? ""}`;
  const fragments = store?.open(project.id);
  // An append walks only the new versions; anything else checks every version's stamp.
  const last = fragments?.appendsTo(releases, people, provenanceJson);
  const latest = latestOf({ releases, tags });
  const wanted: string[] = [];
  for (let i = last?.releases.length ?? 0; i < releases.length; i++) {
    const r = releases[i]!;
    if (r !== latest && !fragments?.reusable(r.id, stampOf(r))) wanted.push(r.id);
  }
  if (latest) wanted.push(latest.id);
  const [metadata, text] = await Promise.all([
    releaseMetadata(db, wanted),
    latest ? releaseText(db, latest.id) : null,
  ]);
  return {
    ...basics,
    releases,
    readme: text?.description ?? null,
    summary: text?.summary ?? null,
    metadata: new Map([...metadata].map(([id, m]) => [id, m.metadata])),
    people,
    provenanceJson,
    stampOf,
    fragments,
    extends: last,
  };
}

export function latestOf<R extends { version: string }>(v: { releases: R[]; tags: Record<string, string> }) {
  // From the newest: `latest` is almost always one of the last (versions are unique, so the same answer).
  for (let i = v.releases.length - 1; i >= 0; i--)
    if (v.releases[i]!.version === v.tags.latest) return v.releases[i];
  return v.releases.at(-1);
}

/** A deprecation, a tag or an owner change advances it too: mirrors and tools poll it for changes. */
