import type { Db } from "../../db/index.js";
import { type ListedProjectView, type ListingStore, loadListedProjectView } from "../../packages/index.js";

export { fileUrl } from "../../packages/index.js";

/** Releases without descriptions, metadata unparsed: the index pages need neither (issue 15 item 2). */
export type ProjectView = ListedProjectView;

/**
 * A PyPI project with its releases in PEP 440 order (the view itself lives in packages/), as installers
 * see it: a quarantined project does not exist for them (issue 18 item 3).
 */
export async function loadProjectView(
  db: Db,
  normalizedName: string,
  store?: ListingStore,
): Promise<ProjectView | null> {
  const v = await loadListedProjectView(db, "pypi", normalizedName, store);
  return v && !v.project.quarantinedAt ? v : null;
}

/** PEP 700's upload-time: ISO 8601 UTC with microseconds. */
export function uploadTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
