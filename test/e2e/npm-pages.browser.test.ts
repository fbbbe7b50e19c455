import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import {
  type ChromiumSession,
  ensureBuilt,
  launchChromium,
  startWharf,
  type WharfServer,
} from "./support/index.js";
import { NpmClient, type NpmRun, packageDir } from "./support/npm.js";
import { createMaintainer, createToken } from "./support/pypi.js";

const SUITE = "npm package pages: published with the npm CLI, read in Chromium at desktop and phone widths";
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

/** A readme with what real ones carry: headings, code, a table, a long URL, and HTML that must stay text. */
const readme = (name: string, version: string) => `# ${name}

Version ${version} of a **test** package for Wharf's package pages.

## Usage

\`\`\`js
const tool = require("${name}");
console.log(tool.describe({ verbose: true, colours: ["red", "green", "blue"], somethingRatherLong: 42 }));
\`\`\`

| Option | Default | What it does |
| --- | --- | --- |
| \`verbose\` | \`false\` | Prints every step, including the ones nobody asked about |
| \`colours\` | \`[]\` | Colours the output |

See https://example.test/a/very/long/path/that/keeps/going/and/going/without/any/break/at/all/index.html for more.

<script>window.__readmeRan = true</script>
`;

describe.skipIf(missing(SUITE, "npm", "chromium"))(SUITE, () => {
  let server: WharfServer;
  let npm: NpmClient;
  let browser: ChromiumSession;
  let work = "";
  /** Console errors, page errors and CSP refusals seen on any page. */
  const problems: string[] = [];
  const ok = (r: NpmRun) => expect(r.code, r.output).toBe(0);
  const at = (path: string) => `${server.origin}${path}`;

  async function publish(name: string, version: string, args: string[] = []) {
    const dir = packageDir(work, name, version, { license: "MIT", homepage: "https://example.test/home" });
    writeFileSync(join(dir, "README.md"), readme(name, version));
    ok(await npm.run(["publish", "--access", "public", ...args], { cwd: dir }));
  }

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    await createMaintainer(server, "pat", "mooring line 4096 knots");
    npm = new NpmClient(`${server.origin}/npm/`);
    appendFileSync(
      npm.userconfig,
      `//localhost:${server.port}/npm/:_authToken=${await createToken(server, "pat")}\n`,
    );
    work = join(npm.dir, "work");
    mkdirSync(work);
    browser = await launchChromium();
    browser.page.on("console", (m) => {
      if (m.type() === "error" || /Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    browser.page.on("pageerror", (e) => problems.push(String(e)));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    npm?.cleanup();
    await server?.stop();
    server?.cleanup();
  });

  it("publishes an unscoped and a scoped package, two versions each, with the npm CLI", async () => {
    await publish("wharf-pages-demo", "1.9.0");
    await publish("wharf-pages-demo", "1.10.0");
    await publish("wharf-pages-demo", "2.0.0-rc.1", ["--tag", "next"]);
    ok(
      await npm.run(["deprecate", "wharf-pages-demo@1.9.0", "Upgrade to 1.10.0: 1.9.0 mis-parses <options>"]),
    );
    await publish("@pat/pages-tool", "1.0.0");
    await publish("@pat/pages-tool", "1.1.0");
  }, 180_000);

  /** Opens a page at each width: no horizontal scrolling, a full-page screenshot for a look. */
  async function visit(path: string, shot: string, check: () => Promise<void>) {
    const p = browser.page;
    for (const v of VIEWPORTS) {
      await p.setViewportSize(v);
      const res = await p.goto(at(path));
      expect(res?.status(), path).toBe(200);
      await check();
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} at ${v.width}px scrolls sideways`).toBeLessThanOrEqual(0);
      await p.screenshot({ path: join(tmpdir(), `wharf-npm-pages-${shot}-${v.width}.png`), fullPage: true });
    }
  }

  it("shows the unscoped package: readme, install line, SemVer order, dist-tags, pre-release and deprecation", async () => {
    const p = browser.page;
    await visit("/package/wharf-pages-demo", "unscoped", async () => {
      await expect(p.locator(".project-head h1").textContent()).resolves.toBe("wharf-pages-demo 1.10.0");
      await expect(p.locator("#install-command").textContent()).resolves.toBe("npm install wharf-pages-demo");
      await expect(p.locator("#registry-setup").textContent()).resolves.toBe(
        `registry=${server.origin}/npm/`,
      );
      await expect(p.locator(".description h2").first().textContent()).resolves.toBe("Usage");
      await expect(p.locator(".description table td").first().textContent()).resolves.toBe("verbose");
      // The readme's HTML is text, never markup: nothing ran.
      await expect(p.locator(".description").textContent()).resolves.toContain(
        "<script>window.__readmeRan = true</script>",
      );
      await expect(p.locator(".description script").count()).resolves.toBe(0);
      await expect(p.evaluate(() => "__readmeRan" in window)).resolves.toBe(false);
      const versions = await p
        .locator("#version-list li")
        .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-version")));
      expect(versions).toEqual(["2.0.0-rc.1", "1.10.0", "1.9.0"]);
      await expect(p.locator('li[data-version="2.0.0-rc.1"]').textContent()).resolves.toMatch(
        /next.*pre-release/,
      );
      await expect(p.locator('li[data-version="1.10.0"]').textContent()).resolves.toContain("latest");
      await expect(p.locator('li[data-version="1.9.0"]').textContent()).resolves.toContain(
        "deprecated Upgrade to 1.10.0: 1.9.0 mis-parses <options>",
      );
      await expect(p.locator('#dist-tags [data-tag="next"] dd').textContent()).resolves.toBe("2.0.0-rc.1");
      await expect(p.locator("#maintainers").textContent()).resolves.toContain("pat");
      await expect(p.locator("#security").textContent()).resolves.toContain("two-factor authentication");
    });
    await visit("/package/wharf-pages-demo/v/1.9.0", "deprecated", async () => {
      await expect(p.locator("#install-command").textContent()).resolves.toBe(
        "npm install wharf-pages-demo@1.9.0",
      );
      await expect(p.locator("#deprecated-notice").textContent()).resolves.toContain("mis-parses <options>");
    });
  }, 90_000);

  it("shows the scoped package at /package/@scope/name, reached from the %2f form and the scope page", async () => {
    const p = browser.page;
    await p.goto(at("/package/@pat%2fpages-tool"));
    expect(new URL(p.url()).pathname).toBe("/package/@pat/pages-tool");
    await p.goto(at("/scopes/pat/"));
    await p.getByRole("link", { name: "@pat/pages-tool" }).click();
    await p.waitForURL(at("/package/@pat/pages-tool"));
    await visit("/package/@pat/pages-tool", "scoped", async () => {
      await expect(p.locator(".project-head h1").textContent()).resolves.toBe("@pat/pages-tool 1.1.0");
      await expect(p.locator("#install-command").textContent()).resolves.toBe("npm install @pat/pages-tool");
      await expect(p.locator("#registry-setup").textContent()).resolves.toBe(
        `@pat:registry=${server.origin}/npm/`,
      );
      const versions = await p
        .locator("#version-list li")
        .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-version")));
      expect(versions).toEqual(["1.1.0", "1.0.0"]);
      await expect(p.locator(".description h1").textContent()).resolves.toBe("@pat/pages-tool");
      await expect(p.locator("#scope-link a").getAttribute("href")).resolves.toBe("/scopes/pat/");
    });
    // The tarball link is the one npm installs from.
    const href = await p.locator('a[href$=".tgz"]').getAttribute("href");
    const tgz = await fetch(at(href!));
    expect([tgz.status, tgz.headers.get("content-type")]).toEqual([200, "application/octet-stream"]);
    expect(problems).toEqual([]);
  }, 90_000);
});
