import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import {
  type ChromiumSession,
  ensureBuilt,
  launchChromium,
  startWharf,
  type WharfServer,
  waitForLink,
} from "./support/index.js";
import { NpmClient, packageDir, waitFor } from "./support/npm.js";

const SUITE = "npm web login and security-key publishing (npm CLI + Chromium)";

/**
 * The phishing-resistant paths: `npm login --auth-type=web` finished in the browser with a password
 * and a security key, and a publish by a user whose only factor is a security key, confirmed in the
 * browser through the authUrl/doneUrl hand-off the npm CLI follows.
 */
describe.skipIf(missing(SUITE, "npm", "script", "chromium"))(SUITE, () => {
  let server: WharfServer;
  let browser: ChromiumSession;
  let npm: NpmClient;
  const username = `keyonly-${randomBytes(3).toString("hex")}`;
  const email = `${username}@example.test`;
  const password = "fog horn at low tide 31";
  const at = (path: string) => `${server.origin}${path}`;

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    browser = await launchChromium();
    // Chromium's virtual authenticator (CDP WebAuthn): a USB security key that answers by itself.
    const cdp = await browser.context.newCDPSession(browser.page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "usb",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    npm = new NpmClient(`${server.origin}/npm/`);
  });
  afterAll(async () => {
    npm?.cleanup();
    await browser?.close();
    await server?.stop();
    server?.cleanup();
  });

  it("registers in the browser, verifies the email and adds a security key as the only factor", async () => {
    const p = browser.page;
    await p.goto(at("/account/register"));
    await p.fill("#username", username);
    await p.fill("#email", email);
    await p.fill("#password", password);
    await p.getByRole("button", { name: "Create account" }).click();
    await p.waitForURL(at("/account/protect"));
    await p.goto(await waitForLink(server.outboxDir, email, "/account/verify-email"));
    await p.getByRole("button", { name: "Verify email address" }).click();
    await p.waitForURL(at("/account/protect"));
    await p.goto(at("/account/two-factor/keys"));
    await p.fill("#label", "Blue key");
    await p.getByRole("button", { name: "Add security key" }).click();
    // The first factor brings recovery codes, shown once.
    await p.getByText("Your recovery codes").waitFor();
    await p.goto(at("/account/two-factor/keys"));
    await expect(p.locator("tr[data-key]").count()).resolves.toBe(1);
    await p.getByRole("button", { name: "Sign out" }).click();
    await p.waitForURL(at("/"));
  }, 60_000);

  it("npm login --auth-type=web: the CLI prints a URL, the browser signs in with password and key, the CLI gets its token", async () => {
    const run = npm.start(["login", "--auth-type=web"]);
    const loginUrl = await waitFor(run.output, /Login at:\s*(http\S+)/);
    const p = browser.page;
    await p.goto(loginUrl);
    await p.waitForURL(/\/account\/login\?next=/);
    await p.fill("#username", username);
    await p.fill("#password", password);
    await p.getByRole("button", { name: "Sign in", exact: true }).click();
    await p.waitForURL(/\/account\/login\/two-factor/);
    await p.getByRole("button", { name: "Use your security key" }).click();
    await p.waitForURL(/\/npm-cli\/login\//);
    await expect(p.locator("h1").textContent()).resolves.toBe("Sign in the npm command line?");
    await p.getByRole("button", { name: "Sign in the command line" }).click();
    await expect(p.locator("[role=status]").last().textContent()).resolves.toContain(
      "Return to your terminal",
    );
    const done = await run.result;
    expect(done.output).toContain("Logged in on");
    expect((await npm.run(["whoami"])).output.trim()).toBe(username);
  }, 90_000);

  it("a security-key-only user publishes: the CLI opens authUrl, the browser confirms with the key, the publish lands", async () => {
    const work = join(npm.dir, "work");
    mkdirSync(work, { recursive: true });
    const name = `${username}-pkg`;
    const run = npm.start(["publish"], [], { cwd: packageDir(work, name, "1.0.0") });
    const authUrl = await waitFor(run.output, /Authenticate your account at:\s*(http\S+)/);
    const p = browser.page;
    await p.goto(authUrl);
    // Signed in with the key a minute ago, so still inside the sudo window: the confirmation shows.
    await p.waitForURL(/\/npm-cli\/confirm\//);
    await expect(p.locator(".card").first().textContent()).resolves.toContain(`publish ${name}@1.0.0`);
    await p.getByRole("button", { name: "Confirm" }).click();
    await expect(p.locator("[role=status]").last().textContent()).resolves.toContain(
      "Return to your terminal",
    );
    const done = await run.result;
    expect(done.code, done.output).toBe(0);
    expect(done.output).toContain(`+ ${name}@1.0.0`);
    const view = await npm.run(["view", name, "version"]);
    expect(view.output.trim()).toBe("1.0.0");
  }, 90_000);
});
