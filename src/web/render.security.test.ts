import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import MarkdownIt from "markdown-it";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { escaped, npmUser, publishBody } from "../protocols/npm/test-fixtures.js";
import { renderPool } from "../render/index.js";
import { hugeMarkdown, slowMarkdown } from "../render/test-fixtures.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { accountToken, publish, signedInUser } from "./test-fixtures.js";

/*
 * Issue 11 HIGH 5: a description that takes markdown-it seconds used to be rendered on the event loop
 * by every view of its project page. Now it is rendered once, in the render worker, and stored.
 * Work is counted two ways: markdown-it calls on this thread (the spy), and renders started in the
 * worker (renderPool().started).
 */
/**
 * The longest time the event loop went without running a 5 ms interval, measured by hand:
 * monitorEventLoopDelay recorded 29 ms max for a loop blocked 17 s (its samples come after the block).
 */
function loopProbe() {
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, performance.now() - last);
    },
  };
}

describe.each(testDatabases())("a hostile description cannot stall project pages on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  const onLoop = vi.spyOn(MarkdownIt.prototype, "render");
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-render-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const upload = async (name: string, description: string) => {
    const { user } = await signedInUser(t, `u-${name}`);
    const res = await publish(t, dir, await accountToken(t, user.id), name, "1.0", { description });
    expect(res.statusCode, res.body).toBe(200);
  };
  const stored = (name: string) =>
    t.deps.db
      .selectFrom("releases")
      .innerJoin("projects", "projects.id", "releases.project_id")
      .select(["releases.id", "description_render", "description_renderer"])
      .where("projects.normalized_name", "=", name)
      .executeTakeFirstOrThrow();
  const views = async (name: string, n: number) => {
    const pages = await Promise.all(
      Array.from({ length: n }, () => t.app.inject({ url: `/project/${name}/` })),
    );
    for (const p of pages) expect(p.statusCode).toBe(200);
    return pages[0]!.body;
  };

  it("renders a slow description once at upload; page views run no Markdown renderer", async () => {
    await upload("slow-md", slowMarkdown);
    const before = { loop: onLoop.mock.calls.length, worker: renderPool().started };
    const body = await views("slow-md", 10);
    expect(onLoop.mock.calls.length - before.loop).toBe(0);
    expect(renderPool().started - before.worker).toBe(0);
    // Past the time limit at upload: stored as text, shown escaped with a note.
    expect(await stored("slow-md")).toMatchObject({ description_render: "too-complex" });
    expect(body).toContain("took too long to format");
    expect(body).toContain('<pre class="description-text">|a|a|a');
  });

  it("shows the issue's 1 MB `![` description as text, without ever rendering it", async () => {
    const before = { loop: onLoop.mock.calls.length, worker: renderPool().started };
    await upload("bang-md", hugeMarkdown);
    const body = await views("bang-md", 5);
    expect(onLoop.mock.calls.length - before.loop).toBe(0);
    expect(renderPool().started - before.worker).toBe(0);
    expect(await stored("bang-md")).toMatchObject({ description_render: "too-large" });
    expect(body).toContain("too large to be formatted");
  });

  it("renders a release from before migration 010 once, in the worker, while other requests are answered", async () => {
    await upload("old-md", slowMarkdown);
    const release = await stored("old-md");
    // As the migration leaves existing rows: never rendered.
    await t.deps.db
      .updateTable("releases")
      .set({ description_render: null, description_html: null, description_renderer: null })
      .where("id", "=", release.id)
      .execute();
    const before = { loop: onLoop.mock.calls.length, worker: renderPool().started };

    const loop = loopProbe();
    const started = performance.now();
    const order: string[] = [];
    const pages = Array.from({ length: 5 }, () =>
      t.app.inject({ url: "/project/old-md/" }).then((r) => {
        order.push("page");
        return r;
      }),
    );
    // Let the first view reach the renderer, then ask the cheap question.
    await vi.waitFor(() => expect(renderPool().started - before.worker).toBe(1), { timeout: 60_000 });
    const health = await t.app.inject({ url: "/healthz" });
    order.push("healthz");
    for (const p of await Promise.all(pages)) expect(p.statusCode).toBe(200);
    const elapsed = performance.now() - started;
    const blocked = loop.stop();

    expect(health.statusCode).toBe(200);
    expect(order[0]).toBe("healthz");
    // The render held a worker for its whole time limit; the loop was never blocked for a fraction of it.
    // (Before the fix: blocked for 17.3 s of a 17.3 s view on this loaded machine, a ratio of 1.)
    expect(blocked / elapsed).toBeLessThan(0.25);
    // Five concurrent first views, one render, in the worker; then stored for good.
    expect(renderPool().started - before.worker).toBe(1);
    expect(onLoop.mock.calls.length - before.loop).toBe(0);
    expect(await stored("old-md")).toMatchObject({
      description_render: "too-complex",
      description_renderer: 1,
    });
    await views("old-md", 3);
    expect(renderPool().started - before.worker).toBe(1);
  });

  it("stores an npm README rendered at publish and shows good Markdown as HTML", async () => {
    const { auth } = await npmUser(t, "alice");
    const before = renderPool().started;
    const body = await publishBody("readme-pkg", "1.0.0", {
      readme: "# Readme\n\n*hello* [x](javascript:alert(1))",
    });
    const res = await t.app.inject({
      method: "PUT",
      url: `/npm/${escaped("readme-pkg")}`,
      payload: body,
      headers: auth,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(renderPool().started - before).toBe(1);
    const row = await t.deps.db
      .selectFrom("releases")
      .select(["description_render", "description_html"])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      description_render: "html",
      description_html: "<h1>Readme</h1>\n<p><em>hello</em> [x](javascript:alert(1))</p>\n",
    });

    await upload("good-md", "# Title\n\n**bold**\n");
    const page = await views("good-md", 2);
    expect(page).toContain("<h1>Title</h1>\n<p><strong>bold</strong></p>");
  });
});
