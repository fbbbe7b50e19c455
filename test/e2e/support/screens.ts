import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { ROOT } from "./build.js";
import { CHROMIUM } from "./chromium.js";

/** Where the screenshots go: artifacts/screenshots/<width>/<page>.png (git-ignored, kept by CI). */
export const SCREENSHOTS = join(ROOT, "artifacts", "screenshots");

export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** One headless Chromium for the whole run; each visitor at each width gets a context of its own. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    timeout: 30_000,
  });
}

/** What a context reports while a page loads: console errors, uncaught exceptions, CSP refusals. */
export interface Listening {
  problems: string[];
}

/**
 * A context whose pages report their problems. The securitypolicyviolation listener is installed
 * through the DevTools protocol before any page script, so the page's own CSP does not block it.
 */
export async function watchedContext(
  browser: Browser,
  viewport: { width: number; height: number },
  cookies: Array<{ name: string; value: string; url: string }>,
): Promise<{ context: BrowserContext; page: Page; listening: Listening }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  context.setDefaultTimeout(15_000);
  if (cookies.length) await context.addCookies(cookies);
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  const page = await context.newPage();
  const listening: Listening = { problems: [] };
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // The document's own non-200 status is logged as a failed load; the row states the status it expects.
    if (/^Failed to load resource/.test(m.text()) && m.location().url === page.url()) return;
    listening.problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => listening.problems.push(`uncaught: ${e.message}`));
  return { context, page, listening };
}

/**
 * Elements sticking out past the right edge of the viewport that are not inside an explicit horizontal
 * scroll container (those may be as wide as they like), as short selectors for the failure message,
 * together with the document's own scroll width.
 */
export async function overflow(
  page: Page,
): Promise<{ scrollWidth: number; width: number; culprits: string[] }> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const scrollWidth = document.scrollingElement?.scrollWidth ?? 0;
    const inScroller = (el: Element): boolean => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === "auto" || o === "scroll" || o === "hidden") return true;
      }
      return false;
    };
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.classList.length ? `.${Array.from(el.classList as unknown as ArrayLike<string>).join(".")}` : ""}`;
    const culprits: string[] = [];
    if (scrollWidth > width)
      for (const el of Array.from(document.body.querySelectorAll("*") as unknown as ArrayLike<Element>)) {
        const right = el.getBoundingClientRect().right;
        if (right > width + 1 && !inScroller(el))
          culprits.push(
            `${name(el)} to ${Math.round(right)} px: ${(el.textContent ?? "").trim().slice(0, 40)}`,
          );
        if (culprits.length >= 8) break;
      }
    return { scrollWidth, width, culprits };
  });
}

/** axe-core's serious and critical findings (WCAG 2.x A/AA and best practices), one line each. */
export async function axeFindings(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, so the page's CSP (no inline script) does not apply.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<AxeResults> } }).axe;
    interface AxeResults {
      violations: Array<{
        id: string;
        impact: string | null;
        help: string;
        nodes: Array<{ target: unknown[] }>;
      }>;
    }
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

export function saveScreenshot(png: Buffer, width: number, name: string): string {
  const dir = join(SCREENSHOTS, String(width));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.png`);
  writeFileSync(file, png);
  return file;
}
