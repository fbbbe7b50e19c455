import type { DbExecutor } from "../db/index.js";
import {
  type DescriptionRender,
  RENDERER_VERSION,
  type RenderOutcome,
  renderDescription,
} from "../render/index.js";
import type { NewRelease } from "./release-writes.js";
import type { DescriptionColumns, Release } from "./releases.js";

/*
 * A release's description is rendered once, when the release is created (publish.ts), in the render
 * worker under its time limit; pages read the stored result. Releases from before that (or whose
 * renderer is outdated, or whose publish found the renderer busy) are rendered by their first page
 * view, once, and stored — never once per view (issue 11 HIGH 5).
 */

/** The columns that store a render (migration 010); null = not rendered, a page view will. */
export function descriptionColumns(render: DescriptionRender | null): DescriptionColumns {
  return {
    description_render: render?.status ?? null,
    description_html: render?.status === "html" ? render.html : null,
    description_renderer: render ? RENDERER_VERSION : null,
  };
}

/** For publish, before its transaction: the columns to insert with a new release. */
export async function renderNewRelease(
  release: Pick<NewRelease, "description" | "descriptionContentType">,
): Promise<DescriptionColumns> {
  const r = await renderDescription(release.description, release.descriptionContentType);
  return descriptionColumns(r.status === "unavailable" ? null : r);
}

const STORED = new Set(["html", "text", "too-large", "too-complex"]);

/** The stored render if the current renderer made it. */
async function storedRender(db: DbExecutor, releaseId: string): Promise<DescriptionRender | null> {
  const row = await db
    .selectFrom("releases")
    .select(["description_render", "description_html", "description_renderer"])
    .where("id", "=", releaseId)
    .executeTakeFirst();
  if (!row || row.description_renderer !== RENDERER_VERSION || !STORED.has(row.description_render ?? ""))
    return null;
  if (row.description_render !== "html") return { status: row.description_render } as DescriptionRender;
  return row.description_html === null ? null : { status: "html", html: row.description_html };
}

// Concurrent first views of one release share one render instead of queueing N identical ones.
const inflight = new Map<string, Promise<RenderOutcome>>();

/** The description as pages show it: the stored render, or one render now (bounded) that is stored. */
export async function releaseDescription(db: DbExecutor, release: Release): Promise<RenderOutcome> {
  const stored = await storedRender(db, release.id);
  if (stored) return stored;
  let pending = inflight.get(release.id);
  if (!pending) {
    pending = (async () => {
      const r = await renderDescription(release.description, release.descriptionContentType);
      if (r.status !== "unavailable")
        await db.updateTable("releases").set(descriptionColumns(r)).where("id", "=", release.id).execute();
      return r;
    })().finally(() => inflight.delete(release.id));
    inflight.set(release.id, pending);
  }
  return pending;
}
