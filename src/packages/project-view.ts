import type { Db } from "../db/index.js";
import { ecosystemFor } from "../ecosystems/index.js";
import { type ListingStore, readListing } from "./listing.js";
import { type Ecosystem, findProject, type Project } from "./projects.js";
import { type FileRecord, type ListedRelease, listReleases, type Release } from "./releases.js";

/**
 * One project with all its releases, ordered by its ecosystem's version rules. Read by the index
 * pages of the protocols and by the web pages, so both show the same order and the same "latest".
 */
export interface ProjectView {
  project: Project;
  /** Oldest to newest by the ecosystem's precedence (PEP 440 for PyPI, SemVer for npm). */
  releases: Release[];
}

export async function loadProjectView(
  db: Db,
  ecosystem: Ecosystem,
  normalizedName: string,
): Promise<ProjectView | null> {
  const project = await findProject(db, ecosystem, normalizedName);
  if (!project) return null;
  const { compareVersions } = ecosystemFor(ecosystem);
  const releases = (await listReleases(db, project.id)).sort((a, b) => compareVersions(a.version, b.version));
  return { project, releases };
}

/** A project view for an index a protocol renders: releases without descriptions, metadata unparsed. */
export interface ListedProjectView {
  project: Project;
  /** Oldest to newest by the ecosystem's precedence, as ProjectView. */
  releases: ListedRelease[];
}

/**
 * loadProjectView for read models that re-render after every write (see ListedRelease); with a store,
 * the rows are read incrementally (listing.ts: only the releases changed since the last read).
 */
export async function loadListedProjectView(
  db: Db,
  ecosystem: Ecosystem,
  normalizedName: string,
  store?: ListingStore,
): Promise<ListedProjectView | null> {
  const project = await findProject(db, ecosystem, normalizedName);
  if (!project) return null;
  const { compareVersions } = ecosystemFor(ecosystem);
  const releases = (await readListing(db, project.id, store)).sort((a, b) =>
    compareVersions(a.version, b.version),
  );
  return { project, releases };
}

/**
 * What a client would install without a pin: the newest non-yanked final release, else the newest
 * non-yanked release, else the newest (a project whose releases are all yanked still has a page).
 */
export function latestRelease<R extends Pick<Release, "version" | "yankedAt">>(v: {
  project: Project;
  releases: R[];
}): R | undefined {
  const { isPrerelease } = ecosystemFor(v.project.ecosystem);
  const live = v.releases.filter((r) => r.yankedAt === null);
  return live.filter((r) => !isPrerelease(r.version)).at(-1) ?? live.at(-1) ?? v.releases.at(-1);
}

/** Root-relative: pip and PEP 691 resolve it against the index URL, whatever host name the client used. */
export function fileUrl(f: FileRecord): string {
  return `/files/${f.blobKey.split("/").map(encodeURIComponent).join("/")}`;
}
