import type { DbExecutor } from "../db/index.js";
import {
  type DescriptionRender,
  RENDERER_VERSION,
  type RenderOutcome,
  renderDescription,
} from "../render/index.js";
import { type NewRelease, type Release, saveDescriptionRender } from "./releases.js";

/**
 * A release's description is rendered once, when the release is created (publish.ts), in the render
 * worker under its time limit; pages read the stored result. Releases from before that (or whose
 * renderer is outdated, or whose publish found the renderer unavailable) are rendered by their first
 * page view, once, and stored — never once per view (issue 11 HIGH 5).
 */
export async function renderNewRelease(
  release: Pick<NewRelease, "description" | "descriptionContentType">,
): Promise<DescriptionRender | null> {
  const r = await renderDescription(release.description, release.descriptionContentType);
  return r.status === "unavailable" ? null : r;
}

// Concurrent first views of one release share one render instead of queueing N identical ones.
const inflight = new Map<string, Promise<RenderOutcome>>();

/** The description as pages show it: the stored render, or one render now (bounded) that is stored. */
export function releaseDescription(db: DbExecutor, release: Release): Promise<RenderOutcome> {
  const stored = release.descriptionRendered;
  if (stored && stored.renderer === RENDERER_VERSION) return Promise.resolve(stored.render);
  let pending = inflight.get(release.id);
  if (!pending) {
    pending = (async () => {
      const r = await renderDescription(release.description, release.descriptionContentType);
      if (r.status !== "unavailable") await saveDescriptionRender(db, release.id, r);
      return r;
    })().finally(() => inflight.delete(release.id));
    inflight.set(release.id, pending);
  }
  return pending;
}
