import { describe, expect, it } from "vitest";
import { MAX_MARKDOWN_CHARS, RenderPool, renderDescription } from "./index.js";
import { hugeMarkdown, slowMarkdown, table } from "./test-fixtures.js";

const pool = (o: Partial<ConstructorParameters<typeof RenderPool>[0]> = {}) =>
  new RenderPool({
    timeoutMs: 2_000,
    maxQueue: 8,
    maxWaitMs: 60_000,
    maxHtmlChars: 2 * 1024 * 1024,
    startTimeoutMs: 60_000,
    ...o,
  });

describe("the description renderer bounds its work", () => {
  it("stops a render that runs past its time limit, and the next render gets a fresh worker", async () => {
    // slowMarkdown needs ~3 s of CPU; the limit leaves "*fine*" room on a loaded machine.
    const p = pool({ timeoutMs: 1_500 });
    try {
      expect(await p.render(slowMarkdown)).toEqual({ ok: false, reason: "timeout" });
      expect(await p.render("*fine*")).toEqual({ ok: true, html: "<p><em>fine</em></p>\n" });
      expect(p.threadIds).toHaveLength(2);
      expect(await renderDescription(slowMarkdown, "text/markdown", p)).toEqual({
        status: "too-complex",
      });
    } finally {
      await p.close();
    }
  });

  it("refuses HTML beyond its cap inside the worker (1.5 KB of table makes 660 KB of cells)", async () => {
    const p = pool({ maxHtmlChars: 100_000, timeoutMs: 60_000 });
    try {
      expect(await p.render(table)).toEqual({ ok: false, reason: "too-large" });
      expect(await renderDescription(table, "text/markdown", p)).toEqual({ status: "too-large" });
    } finally {
      await p.close();
    }
  });

  it("does not hand Markdown over the size cap to the renderer at all", async () => {
    const p = pool();
    expect(hugeMarkdown.length).toBeGreaterThan(MAX_MARKDOWN_CHARS);
    expect(await renderDescription(hugeMarkdown, "text/markdown", p)).toEqual({ status: "too-large" });
    expect(p.started).toBe(0);
    await p.close();
  });

  it("answers 'busy' at once when its queue is full instead of queueing without end", async () => {
    const p = pool({ maxQueue: 1 });
    try {
      await p.render("warm-up: the worker is started and idle");
      const running = p.render(slowMarkdown);
      const queued = p.render("*queued*");
      expect(await p.render("*third*")).toEqual({ ok: false, reason: "busy" });
      expect(await renderDescription("*third*", "text/markdown", p)).toEqual({ status: "unavailable" });
      expect((await running).ok).toBe(false);
      expect(await queued).toEqual({ ok: true, html: "<p><em>queued</em></p>\n" });
    } finally {
      await p.close();
    }
  });

  it("gives up on a job as 'busy' when it waited too long for the worker (a publish is never held longer)", async () => {
    const p = pool({ maxWaitMs: 300 });
    try {
      await p.render("warm-up");
      const running = p.render(slowMarkdown);
      expect(await p.render("*waits*")).toEqual({ ok: false, reason: "busy" });
      expect(await running).toEqual({ ok: false, reason: "timeout" });
      expect(p.started).toBe(2);
    } finally {
      await p.close();
    }
  });

  it("fails jobs as 'unavailable' when the worker cannot start (a broken install), not as the input's fault", async () => {
    const p = new RenderPool(
      { timeoutMs: 2_000, maxQueue: 8, maxWaitMs: 60_000, maxHtmlChars: 1_000, startTimeoutMs: 60_000 },
      new URL("./no-such-worker.js", import.meta.url),
    );
    expect(await p.render("*x*")).toEqual({ ok: false, reason: "unavailable" });
    expect(await renderDescription("*x*", "text/markdown", p)).toEqual({ status: "unavailable" });
  });
});
