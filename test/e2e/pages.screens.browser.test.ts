import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing, registeredRoutes } from "../../src/test-support/index.js";
import {
  axeFindings,
  type Listening,
  launchBrowser,
  overflow,
  saveScreenshot,
  VIEWPORTS,
  watchedContext,
} from "./support/screens.js";
import { buildWorld, type Visitor, type World } from "./support/world.js";

const SUITE = "every page at 1280×800 and 390×844: no sideways overflow, axe, console and CSP (Chromium)";

/**
 * One row per page view: the route it covers (as Fastify registered it), the address to open, who is
 * signed in, the status expected, and an optional setup step run before the visit. Add a row when you
 * add a page: the first test fails for a GET route that renders HTML and has no row.
 */
interface Row {
  route: string;
  name: string;
  path: (w: World) => string;
  as: Visitor;
  status?: number;
  setup?: (w: World) => Promise<void>;
  /** Done on the page once it is open (a form submitted with errors), before it is judged and shot. */
  act?: (page: Page) => Promise<void>;
  /** Problems the act causes on purpose (Chromium logs a refused fetch as a console error). */
  expected?: RegExp;
}

const row = (
  route: string,
  name: string,
  as: Visitor,
  path: string | ((w: World) => string),
  status = 200,
): Row => ({
  route,
  name,
  as,
  path: typeof path === "string" ? () => path : path,
  status,
});

/**
 * A form sent with several mistakes: the page that answers must show every error at its field (red, with
 * aria-invalid) and still pass the checks. `fill` maps selectors to values; `errors` the ids expected.
 */
const withErrors = (
  r: Row,
  name: string,
  o: { fill?: Record<string, string>; check?: string[]; submit: string; errors: string[]; expected?: RegExp },
): Row => ({
  ...r,
  name,
  expected: o.expected,
  act: async (page) => {
    for (const [sel, value] of Object.entries(o.fill ?? {})) await page.fill(sel, value);
    for (const sel of o.check ?? []) await page.check(sel);
    await page.getByRole("button", { name: o.submit, exact: true }).click();
    for (const id of o.errors) {
      const error = page.locator(`#${id}`);
      await error.waitFor();
      // Red at the field, not grey hint text (issue 14, finding 5).
      await expect(error.evaluate((el) => getComputedStyle(el).color)).resolves.toBe("rgb(180, 35, 24)");
    }
    await page.waitForLoadState("load");
  },
});

const ROWS: Row[] = [
  row("/", "home", "anonymous", "/"),
  row("/", "home-signed-in", "maintainer", "/"),
  row("/search", "search", "anonymous", "/search?q=demo"),
  row("/help/account-recovery", "help-account-recovery", "anonymous", "/help/account-recovery"),
  row("/help/design", "help-design", "anonymous", "/help/design"),
  row("/project/:name", "project-redirect", "anonymous", "/project/demo-pkg"),
  row("/project/:name/", "project", "anonymous", "/project/demo-pkg/"),
  row("/project/:name/:version", "project-version-redirect", "anonymous", "/project/demo-pkg/1.0"),
  row("/project/:name/:version/", "project-version", "anonymous", "/project/demo-pkg/1.0/"),
  row("/project/:name/", "project-missing", "anonymous", "/project/no-such-project/", 404),
  row("/project/:name/", "project-quarantined-owner", "maintainer", "/project/demo-held/"),
  row("/project/:name/", "project-pending-staged", "maintainer", "/project/demo-pkg/"),
  row("/staged/:id", "staged", "maintainer", (w) => `/staged/${w.ids.staged}`),
  row("/staged/:id", "staged-outsider", "newcomer", (w) => `/staged/${w.ids.staged}`, 404),
  // The release needs a key: a code is refused beside its field before it is tried (nothing changes).
  withErrors(
    row("/staged/:id", "", "maintainer", (w) => `/staged/${w.ids.staged}`),
    "staged-code-refused",
    {
      fill: { "#code": "123456" },
      submit: "Approve with code",
      errors: ["code-error"],
    },
  ),
  row("/report", "report-form", "maintainer", "/report?ecosystem=pypi&name=demo-pkg"),
  row("/report", "report-unverified", "newcomer", "/report?ecosystem=pypi&name=demo-pkg", 403),
  row("/package/*", "npm-package", "anonymous", "/package/@acme/tool"),
  row("/project/:name/dependents/", "project-dependents", "anonymous", "/project/demo-pkg/dependents/"),
  row("/package/*", "npm-package-dependents", "anonymous", "/package/@acme/tool/dependents"),
  row("/gems/:name", "gem", "anonymous", "/gems/hello-rg"),
  row("/gems/:name/versions/:version", "gem-version", "anonymous", "/gems/hello-rg/versions/1.1.0.pre.rc1"),
  row("/gems/:name/versions/:version", "gem-version-yanked", "anonymous", "/gems/hello-rg/versions/0.9.0"),
  row("/gems/:name/dependents", "gem-dependents", "anonymous", "/gems/rake/dependents"),
  row("/scopes/:scope", "scope-redirect", "anonymous", "/scopes/acme"),
  row("/scopes/:scope/", "scope", "maintainer", "/scopes/acme/"),
  row("/user/:username", "profile-redirect", "anonymous", "/user/alice"),
  row("/user/:username/", "profile", "anonymous", "/user/alice/"),
  row("/manage/project/:name", "manage-project-redirect", "maintainer", "/manage/project/demo-pkg"),
  row("/manage/project/:name/", "manage-project", "maintainer", "/manage/project/demo-pkg/"),
  row("/manage/package/*", "manage-npm-package", "maintainer", "/manage/package/@acme/tool"),
  row("/manage/gems/:name", "manage-gem-redirect", "maintainer", "/manage/gems/hello-rg"),
  row("/manage/gems/:name/", "manage-gem", "maintainer", "/manage/gems/hello-rg/"),
  row("/account/register", "register", "anonymous", "/account/register"),
  withErrors(row("/account/register", "", "anonymous", "/account/register"), "register-errors", {
    fill: { "#username": "-not a name-", "#email": "nope", "#password": "short" },
    submit: "Create account",
    errors: ["username-error", "email-error", "password-error"],
  }),
  row("/account/login", "login", "anonymous", "/account/login"),
  withErrors(row("/account/login", "", "anonymous", "/account/login"), "login-errors", {
    submit: "Sign in",
    errors: ["username-error", "password-error"],
  }),
  row("/account/forgot-password", "forgot-password", "anonymous", "/account/forgot-password"),
  row(
    "/account/reset-password",
    "reset-password-bad-link",
    "anonymous",
    "/account/reset-password?token=expired",
    400,
  ),
  row("/account/verify-email", "verify-email-bad-link", "anonymous", "/account/verify-email?token=expired"),
  row(
    "/account/confirm-email",
    "confirm-email-bad-link",
    "anonymous",
    "/account/confirm-email?token=expired",
  ),
  row("/account/login/two-factor", "login-two-factor-none", "anonymous", "/account/login/two-factor"),
  row("/account/recovery", "recovery-start", "anonymous", "/account/recovery"),
  row(
    "/account/recovery/confirm",
    "recovery-confirm-bad-link",
    "anonymous",
    "/account/recovery/confirm?token=x",
    400,
  ),
  row(
    "/account/recovery/cancel",
    "recovery-cancel-bad-link",
    "anonymous",
    "/account/recovery/cancel?token=x",
  ),
  row("/account/recovery/stop", "recovery-stop-bad-link", "anonymous", "/account/recovery/stop?token=x", 403),
  row("/account/recovery/proofs", "recovery-proofs", "recovering", "/account/recovery/proofs"),
  row("/account/recovery/open", "recovery-open", "maintainer", "/account/recovery/open"),
  row("/account", "account-redirect", "maintainer", "/account"),
  row("/account/", "account", "maintainer", "/account/"),
  row("/account/", "account-newcomer", "newcomer", "/account/"),
  row("/account/sudo", "sudo", "maintainer", "/account/sudo"),
  row("/account/sessions", "sessions", "maintainer", "/account/sessions"),
  row("/account/security-history", "security-history", "maintainer", "/account/security-history"),
  row("/account/security-keys", "security-keys-redirect", "maintainer", "/account/security-keys"),
  row("/account/protect", "protect", "newcomer", "/account/protect"),
  row("/account/two-factor", "two-factor", "maintainer", "/account/two-factor"),
  row("/account/two-factor", "two-factor-newcomer", "newcomer", "/account/two-factor"),
  row("/account/two-factor/totp", "totp-setup", "newcomer", "/account/two-factor/totp"),
  row("/account/two-factor/keys", "security-keys", "maintainer", "/account/two-factor/keys"),
  // With JavaScript: the name is refused by the options call and shown at the field by the script.
  withErrors(
    row("/account/two-factor/keys", "", "maintainer", "/account/two-factor/keys"),
    "security-keys-no-name",
    {
      fill: { "#label": "" },
      submit: "Add security key",
      errors: ["label-error"],
      // The refusal is the options call's 400 answer, which Chromium reports on the console.
      expected: /^console: Failed to load resource: the server responded with a status of 400/,
    },
  ),
  row("/account/two-factor/checkup", "two-factor-checkup", "maintainer", "/account/two-factor/checkup"),
  row("/account/tokens", "tokens", "maintainer", "/account/tokens"),
  withErrors(row("/account/tokens", "", "maintainer", "/account/tokens"), "tokens-errors", {
    fill: { "#expires": "0" },
    check: ["#scope-projects"],
    submit: "Create token",
    errors: ["name-error", "projects-error", "expires-error"],
  }),
  row("/account/publishing", "pending-publishers", "maintainer", "/account/publishing"),
  withErrors(
    row("/account/publishing", "", "maintainer", "/account/publishing"),
    "pending-publishers-errors",
    {
      fill: { "#gh_project_name": "-bad-", "#gh_repository": "no-slash", "#gh_workflow": "release.txt" },
      submit: "Add GitHub publisher",
      errors: ["gh_project_name-error", "gh_repository-error", "gh_workflow-error"],
    },
  ),
  row("/account/projects", "your-projects", "maintainer", "/account/projects"),
  row("/account/projects", "your-projects-empty", "newcomer", "/account/projects"),
  row("/npm-cli/login/:id", "npm-cli-login", "maintainer", (w) => `/npm-cli/login/${w.ids.npmLogin}`),
  row("/npm-cli/confirm/:id", "npm-cli-confirm", "maintainer", (w) => `/npm-cli/confirm/${w.ids.npmConfirm}`),
  row(
    "/gem-cli/confirm/:id",
    "gem-cli-confirm",
    "maintainer",
    (w) => `/gem-cli/confirm/${w.ids.gemConfirm}?port=41234`,
  ),
  row("/admin", "console-redirect", "operator", "/admin"),
  row("/admin/", "console-dashboard", "operator", "/admin/"),
  row("/admin/", "console-refused", "maintainer", "/admin/", 404),
  row("/admin/recovery", "console-recovery", "operator", "/admin/recovery"),
  row(
    "/admin/recovery/:id",
    "console-recovery-request",
    "operator",
    (w) => `/admin/recovery/${w.ids.recovery}`,
  ),
  row("/admin/users", "console-users", "operator", "/admin/users"),
  row("/admin/users/:username", "console-user", "operator", "/admin/users/alice"),
  row("/admin/projects", "console-projects", "operator", "/admin/projects"),
  row("/admin/projects/prohibited", "console-prohibited", "operator", "/admin/projects/prohibited"),
  withErrors(
    row("/admin/projects/prohibited", "", "operator", "/admin/projects/prohibited"),
    "console-prohibited-errors",
    {
      fill: { "#prohibit-name": "-no-" },
      submit: "Prohibit",
      errors: ["prohibit-name-error", "prohibit-reason-error"],
    },
  ),
  row("/admin/projects/:ecosystem/:name", "console-project", "operator", "/admin/projects/pypi/demo-pkg"),
  row("/admin/quarantine", "console-quarantine", "operator", "/admin/quarantine"),
  row("/admin/critical", "console-critical", "operator", "/admin/critical"),
  row("/admin/mandates", "console-mandates", "operator", "/admin/mandates"),
  row("/admin/mandates/new", "console-mandate-new", "operator", "/admin/mandates/new"),
  row(
    "/admin/mandates/:id/edit",
    "console-mandate-edit",
    "operator",
    (w) => `/admin/mandates/${w.ids.mandate}/edit`,
  ),
  row("/admin/giveaway", "console-giveaway", "operator", "/admin/giveaway"),
  row("/admin/domains", "console-domains", "operator", "/admin/domains"),
  row("/admin/audit", "console-audit", "operator", "/admin/audit"),
];

/**
 * GET routes that answer something other than a page (protocols, scripts, files, JSON, health; `/_/` is
 * PyPI's trusted-publishing JSON; `/preview/<id>/simple/` is a staged release's PEP 503/691 index).
 */
const NOT_PAGES =
  /^GET \/(simple|preview|pypi|files|npm|rubygems|api|static|admin\/static|healthz|readyz|metrics|favicon\.ico|_)(\/|$)|^GET \/npm\/-\/v1\/done\//;

describe.skipIf(missing(SUITE, "chromium"))(SUITE, () => {
  let world: World;
  let browser: Browser;
  const contexts: Array<{ context: BrowserContext }> = [];

  beforeAll(async () => {
    [world, browser] = await Promise.all([buildWorld(), launchBrowser()]);
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.context.close().catch(() => undefined);
    await browser?.close();
    await world?.close();
  });

  it("has a row for every GET route that renders a page, and no row for a route that does not exist", () => {
    const { app } = world.registry.t;
    const pages = registeredRoutes(app).filter((r) => r.startsWith("GET ") && !NOT_PAGES.test(r));
    const covered = new Set(ROWS.map((r) => `GET ${r.route}`));
    // Wildcard routes (/package/*, /manage/package/*) are drawn as "/*" in the route tree: hasRoute checks them.
    expect(pages.filter((r) => r !== "GET /*" && !covered.has(r))).toEqual([]);
    for (const r of ROWS) expect(app.hasRoute({ method: "GET", url: r.route }), r.route).toBe(true);
    expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
  });

  for (const viewport of VIEWPORTS) {
    describe(`at ${viewport.width}×${viewport.height}`, () => {
      const tabs = new Map<Visitor, { page: Page; listening: Listening }>();

      /** One context per visitor and width, made on first use and kept for the following rows. */
      async function tab(as: Visitor) {
        const open = tabs.get(as);
        if (open) return open;
        const client = world.visitors[as];
        const cookies = [...(client?.cookies ?? [])].map(([name, value]) => ({
          name,
          value,
          url: world.registry.origin,
        }));
        const made = await watchedContext(browser, viewport, cookies);
        contexts.push(made);
        tabs.set(as, made);
        return made;
      }

      for (const r of ROWS) {
        it(`${r.name} (${r.as})`, async () => {
          await r.setup?.(world);
          const { page, listening } = await tab(r.as);
          listening.problems.length = 0;
          const res = await page.goto(world.registry.at(r.path(world)), { waitUntil: "load" });
          expect(res?.status(), `${r.path(world)} answered`).toBe(r.status ?? 200);
          await r.act?.(page);
          const wide = await overflow(page);
          // An event's details squeezed to a letter a line (issue 14, finding 11, on a phone).
          const squeezed = await page
            .locator(".table-scroll dl.details")
            .evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().width < 150).length);
          const findings = await axeFindings(page);
          saveScreenshot(await page.screenshot({ fullPage: true }), viewport.width, r.name);
          expect(
            {
              overflow: wide.scrollWidth > wide.width ? wide : null,
              squeezedDetails: squeezed,
              axe: findings,
              problems: listening.problems.filter((x) => !r.expected?.test(x)),
            },
            r.name,
          ).toEqual({ overflow: null, squeezedDetails: 0, axe: [], problems: [] });
        }, 60_000);
      }

      // Issue 14, finding 3: content touched the header, a visually hidden legend showed, choice labels
      // were bold and the inline rename inputs had no style.
      it("keeps the layout's basics: room under the header, hidden text hidden, plain choices, styled inputs", async () => {
        const { page } = await tab("maintainer");
        for (const path of ["/account/tokens", "/manage/project/demo-pkg/", "/account/two-factor/keys"]) {
          await page.goto(world.registry.at(path));
          const gap = await page.evaluate(() => {
            const header = document.querySelector("header.site-header")?.getBoundingClientRect();
            const first = document.querySelector("main h1")?.getBoundingClientRect();
            return header && first ? first.top - header.bottom : -1;
          });
          expect(gap, `${path}: space between the header and the heading`).toBeGreaterThanOrEqual(16);
          const shown = await page.locator(".sr-only, .visually-hidden").evaluateAll(
            (els) =>
              els.filter((e) => {
                const r = e.getBoundingClientRect();
                return r.width > 1 || r.height > 1;
              }).length,
          );
          expect(shown, `${path}: visually hidden elements that show`).toBe(0);
        }
        await page.goto(world.registry.at("/account/tokens"));
        const weights = await page
          .locator(".choice label")
          .evaluateAll((els) => els.map((e) => Number(getComputedStyle(e).fontWeight)));
        expect(weights.length).toBeGreaterThan(0);
        expect(Math.max(...weights), "radio and checkbox labels are not bold").toBeLessThanOrEqual(400);
        await page.goto(world.registry.at("/account/two-factor/keys"));
        const style = (sel: string) =>
          page
            .locator(sel)
            .first()
            .evaluate((el) => {
              const c = getComputedStyle(el);
              return {
                border: c.borderTopStyle,
                radius: c.borderTopLeftRadius,
                font: c.fontSize,
                pad: c.paddingLeft,
              };
            });
        // Styled like the page's other inputs (border, corners, type), if more compact inside a table row.
        const { pad, ...rename } = await style("input[id^=rename-]");
        const { pad: _, ...field } = await style("#label");
        expect(rename).toEqual(field);
        expect(rename.border).not.toBe("none");
        expect(Number.parseFloat(pad)).toBeGreaterThanOrEqual(4);
      });

      // Issue 14, finding 2: on a phone the header wrapped and the operator's "Sign out" left the screen.
      it.skipIf(viewport.width > 860)(
        "keeps Sign out one tap away, inside the screen, for a maintainer and an operator",
        async () => {
          for (const [as, path] of [
            ["maintainer", "/account/"],
            ["operator", "/admin/audit"],
          ] as const) {
            const { page } = await tab(as);
            await page.goto(world.registry.at(path));
            const signOut = page.getByRole("button", { name: "Sign out" });
            await expect(signOut.isVisible()).resolves.toBe(false);
            await page.locator("details.site-menu > summary").click();
            await expect(signOut.isVisible()).resolves.toBe(true);
            const box = await signOut.boundingBox();
            expect(
              box && box.x >= 0 && box.x + box.width <= viewport.width,
              `${as}: ${JSON.stringify(box)}`,
            ).toBe(true);
          }
        },
      );
    });
  }
});
