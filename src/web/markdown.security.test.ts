import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderDescription } from "../render/index.js";
import { markdownToHtml } from "../render/markdown.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { httpUrl, isSafeLink, SHOWN_TEXT_MAX, shownDescription } from "./markdown.js";
import { accountToken, publish, signedInUser } from "./test-fixtures.js";

// The sanitiser the render worker runs (render/markdown.ts), called directly to keep these tests fast;
// the page tests below go through publish, the worker and the stored HTML.
const md = (text: string) => markdownToHtml(text);

const FORBIDDEN_TAGS = /^(script|iframe|object|embed|style|link|meta|base|svg|math)$/i;
const BAD_URL = /^\s*(javascript|vbscript|data|file):/i;

/**
 * What an attacker wants to reach the DOM: a script element, an event-handler attribute, or a
 * script-bearing URL. Tags and attributes are tokenised the way the browser will read them (quoted
 * values are data, entities decoded), so an escaped `&quot; onmouseover=` inside a title is not
 * mistaken for an attribute — and a real one would be caught.
 */
function assertInert(page: string): void {
  // Wharf's own Copy script (web/copy.tsx) sits inside <main> beside the install line; only that exact
  // tag is taken out, so any other script element, the attacker's, still fails.
  const html = page.replaceAll('<script src="/static/wharf-copy.js" defer></script>', "");
  for (const tag of html.matchAll(/<([a-z][a-z0-9-]*)([^>]*)>/gi)) {
    const [, name, attrs] = tag;
    expect(name!, tag[0]).not.toMatch(FORBIDDEN_TAGS);
    for (const a of attrs!.matchAll(/([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
      const attr = a[1]!.toLowerCase();
      const value = (a[2] ?? a[3] ?? a[4] ?? "")
        .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
        .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Number(d)))
        .replace(/&colon;/gi, ":")
        .replace(/&amp;/g, "&")
        .replace(/[\t\n\r]/g, "");
      expect(attr, tag[0]).not.toMatch(/^on/);
      if (["href", "src", "xlink:href", "action", "formaction", "srcset"].includes(attr))
        expect(value, tag[0]).not.toMatch(BAD_URL);
    }
  }
}

describe("Markdown descriptions refuse script injection", () => {
  const payloads: Array<[string, string]> = [
    ["script tag", "<script>alert(1)</script>"],
    ["img onerror", '<img src=x onerror="alert(1)">'],
    ["inline html link", '<a href="javascript:alert(1)">x</a>'],
    ["svg onload", "<svg onload=alert(1)></svg>"],
    ["iframe", '<iframe src="https://evil.example"></iframe>'],
    ["markdown javascript link", "[x](javascript:alert(1))"],
    ["upper-case scheme", "[x](JaVaScRiPt:alert(1))"],
    ["entity-encoded scheme", "[x](&#106;avascript:alert(1))"],
    ["hex entity scheme", "[x](&#x6A;avascript&#x3A;alert(1))"],
    ["tab inside scheme", "[x](java\tscript:alert(1))"],
    ["leading space in angle brackets", "[x]( <javascript:alert(1)>)"],
    ["autolink", "<javascript:alert(1)>"],
    ["reference link", "[x][r]\n\n[r]: javascript:alert(1)"],
    ["vbscript", "[x](vbscript:msgbox(1))"],
    ["data html link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
    ["data svg image", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"],
    ["data png image", "![x](data:image/png;base64,iVBORw0KGgo=)"],
    ["file url", "[x](file:///etc/passwd)"],
    ["attribute breakout in title", '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")'],
    ["attribute breakout in url", '[x](https://ok.example/"onmouseover="alert(1))'],
    ["html entities", "&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;"],
    ["linkified javascript", "see javascript:alert(1) now"],
    ["fenced html", "```html\n<script>alert(1)</script>\n```"],
  ];

  for (const [label, payload] of payloads) {
    it(`neutralises ${label}`, () => {
      assertInert(md(payload));
    });
  }

  it("flags live payloads itself, so a passing check means something", () => {
    const live = [
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      '<p title="x" onclick="y">',
      '<a href="javascript:alert(1)">x</a>',
      '<a href="&#106;avascript:alert(1)">x</a>',
      "<a href=' java&#x09;script:alert(1)'>x</a>",
      '<img src="data:image/svg+xml,x">',
    ];
    for (const html of live) expect(() => assertInert(html), html).toThrow();
  });

  it("keeps raw HTML as visible, escaped text", () => {
    const html = md("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("keeps http, https, mailto and relative links, marked as user content", () => {
    const html = md(
      "[a](https://example.com/x) [b](http://example.com) [c](mailto:me@example.com) [d](docs/x.md) [e](#usage)",
    );
    expect(html).toContain('href="https://example.com/x"');
    expect(html).toContain('href="http://example.com"');
    expect(html).toContain('href="mailto:me@example.com"');
    expect(html).toContain('href="docs/x.md"');
    expect(html).toContain('href="#usage"');
    expect(html).toContain('rel="nofollow ugc noopener noreferrer"');
  });

  it("linkifies bare URLs", () => {
    expect(md("Docs at https://docs.example.com/")).toContain('<a href="https://docs.example.com/"');
  });

  it("allows only http(s), mailto and relative targets", () => {
    for (const ok of [
      "https://x",
      "HTTP://x",
      "mailto:a@b",
      "/abs",
      "rel/x",
      "#frag",
      "?q=1",
      "//cdn.example/x",
    ])
      expect(isSafeLink(ok), ok).toBe(true);
    for (const bad of [
      "javascript:alert(1)",
      "JAVASCRIPT:x",
      "data:text/html,x",
      "vbscript:x",
      "file:///x",
      "ftp://x",
    ])
      expect(isSafeLink(bad), bad).toBe(false);
  });

  it("shows reStructuredText, plain text and untyped descriptions verbatim, never as HTML", async () => {
    const text = "<script>alert(1)</script>\n**not bold**";
    for (const type of ["text/x-rst", "text/plain", null, "text/html"]) {
      const r = await renderDescription(text, type);
      expect(r).toEqual({ status: "text" });
      expect(shownDescription(text, r)).toEqual({ kind: "text", text });
    }
    expect(shownDescription("   ", await renderDescription("   ", "text/markdown"))).toBeNull();
  });

  it("shows at most the first 64 KB of an unformatted description, and says so", () => {
    const text = "![".repeat(500_000);
    const shown = shownDescription(text, { status: "too-large" });
    expect(shown?.kind).toBe("text");
    if (shown?.kind !== "text") return;
    expect(shown.text.length).toBe(SHOWN_TEXT_MAX);
    expect(shown.note).toMatch(/too large.*Only the first 64 KB of 977 KB are shown/);
  });

  it("links metadata URLs only when they are http(s)", () => {
    expect(httpUrl("https://example.com/a")).toBe("https://example.com/a");
    expect(httpUrl("javascript:alert(1)")).toBeNull();
    expect(httpUrl("data:text/html,x")).toBeNull();
    expect(httpUrl(" not a url ")).toBeNull();
    expect(httpUrl(42)).toBeNull();
  });
});

describe.each(testDatabases())("project page escapes uploaded content on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-web-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("renders hostile summary, description and license as inert text", async () => {
    const { user } = await signedInUser(t, "mallory");
    const description =
      '# Hi\n\n<script>alert("d")</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n![i](data:image/svg+xml;base64,PHN2Zz4=)\n';
    const res = await publish(t, dir, await accountToken(t, user.id), "evil-pkg", "1.0", {
      summary: '<script>alert("s")</script>"><img src=x onerror=alert(1)>',
      description,
      extra: 'License: <script>alert("l")</script>',
    });
    expect(res.statusCode).toBe(200);
    const page = await t.app.inject({ url: "/project/evil-pkg/" });
    expect(page.statusCode).toBe(200);
    const main = page.body.slice(page.body.indexOf('<main id="main"'));
    assertInert(main);
    expect(main).toContain("&lt;script>alert(&quot;s&quot;)&lt;/script>");
    expect(main).toContain("&lt;script&gt;alert(&quot;d&quot;)&lt;/script&gt;");
    expect(main).not.toMatch(/href="\s*javascript:/i);
    // The refused link stays visible as text, so readers see what the author wrote.
    expect(main).toContain("[click](javascript:alert(3))");
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
  });

  it("shows a reStructuredText description in a pre block, escaped", async () => {
    const { user } = await signedInUser(t, "alice");
    await publish(t, dir, await accountToken(t, user.id), "rst-pkg", "1.0", {
      contentType: "text/x-rst",
      description: "Title\n=====\n\n.. raw:: html\n\n   <script>alert(1)</script>\n",
    });
    const page = await t.app.inject({ url: "/project/rst-pkg/" });
    expect(page.body).toContain('<pre class="description-text">Title\n=====');
    expect(page.body).toContain("&lt;script>alert(1)&lt;/script>");
    assertInert(page.body.slice(page.body.indexOf('<main id="main"')));
  });

  it("searches and profiles escape what they echo", async () => {
    const q = encodeURIComponent('"><script>alert(1)</script>');
    const search = await t.app.inject({ url: `/search?q=${q}` });
    expect(search.statusCode).toBe(200);
    assertInert(search.body.slice(search.body.indexOf('<main id="main"')));
    const profile = await t.app.inject({ url: `/user/${encodeURIComponent("<script>")}/` });
    expect(profile.statusCode).toBe(404);
    expect(profile.body).not.toContain("<script>");
  });
});
