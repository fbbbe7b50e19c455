import type { Db } from "../../db/index.js";
import { loadProjectView as loadView, type ProjectView } from "../../packages/index.js";

export { fileUrl, type ProjectView } from "../../packages/index.js";

/** A PyPI project with its releases in PEP 440 order (the view itself lives in packages/). */
export function loadProjectView(db: Db, normalizedName: string): Promise<ProjectView | null> {
  return loadView(db, "pypi", normalizedName);
}

/** PEP 700's upload-time: ISO 8601 UTC with microseconds. */
export function uploadTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
