import type { Db } from "../../db/index.js";
import {
  type FileRecord,
  findProject,
  listReleases,
  type Project,
  type Release,
} from "../../packages/index.js";
import { compareVersions } from "../../ecosystems/pypi/index.js";

export interface ProjectView {
  project: Project;
  /** Oldest to newest by PEP 440. */
  releases: Release[];
}

export async function loadProjectView(db: Db, normalizedName: string): Promise<ProjectView | null> {
  const project = await findProject(db, "pypi", normalizedName);
  if (!project) return null;
  const releases = (await listReleases(db, project.id)).sort((a, b) => compareVersions(a.version, b.version));
  return { project, releases };
}

/** Root-relative: pip and PEP 691 resolve it against the index URL, whatever host name the client used. */
export function fileUrl(f: FileRecord): string {
  return `/files/${f.blobKey.split("/").map(encodeURIComponent).join("/")}`;
}

/** PEP 700's upload-time: ISO 8601 UTC with microseconds. */
export function uploadTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
