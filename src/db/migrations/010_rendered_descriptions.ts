import type { Kysely } from "kysely";

/*
 * Descriptions rendered once per release (src/render, issue 11 HIGH 5). Pages used to run markdown-it
 * on every view, so one hostile description stalled the server for every anonymous reader.
 *
 * - description_render: html | text | too-large | too-complex (render/index.ts DescriptionRender);
 *   NULL = never rendered (releases from before this migration, or the renderer was unavailable).
 * - description_html: the sanitised HTML when description_render = 'html'.
 * - description_renderer: RENDERER_VERSION that produced the row; an older one is rendered again.
 * Existing rows are left NULL and rendered lazily by their first page view (bounded, then stored):
 * rendering every old description here would run untrusted Markdown without the worker's time limit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("releases").addColumn("description_render", "text").execute();
  await db.schema.alterTable("releases").addColumn("description_html", "text").execute();
  await db.schema.alterTable("releases").addColumn("description_renderer", "integer").execute();
}
