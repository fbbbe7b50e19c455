import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { WEBAUTHN_MESSAGES, webauthnMessage } from "./webauthn-messages.js";

describe("WebAuthn failure messages by DOMException name", () => {
  it("tells a passkey sign-in with no passkey here to use the password, then the key", () => {
    const m = webauthnMessage("passkey", "NotAllowedError");
    expect(m).toContain("No passkey for this site on this device was used");
    expect(m).toContain("cancelled or timed out");
    expect(m).toContain("Sign in with your password, then your key.");
  });

  it("has a message of its own for each name a ceremony raises, on every button", () => {
    for (const context of Object.keys(WEBAUTHN_MESSAGES) as Array<keyof typeof WEBAUTHN_MESSAGES>) {
      const seen = new Set<string>();
      for (const name of [
        "NotAllowedError",
        "InvalidStateError",
        "SecurityError",
        "AbortError",
        "NotSupportedError",
        "ConstraintError",
        "UnknownError",
      ]) {
        const m = webauthnMessage(context, name);
        expect(m, `${context} ${name}`).not.toBe(webauthnMessage(context, undefined));
        seen.add(m);
      }
      expect(seen.size, context).toBe(7);
    }
    expect(webauthnMessage("enrol", "InvalidStateError")).toContain("already registered to your account");
    expect(webauthnMessage("second-step", "TypeError")).toBe(WEBAUTHN_MESSAGES["second-step"].default);
  });
});

describe.each(testDatabases())("the WebAuthn button on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  it("is rendered disabled, with a no-script note and a hidden unsupported note, and the script has the messages", async () => {
    const page = await t.app.inject({ url: "/account/login" });
    expect(page.body).toMatch(/id="webauthn-login-button"[^>]*disabled/);
    expect(page.body).toMatch(
      /<noscript><p class="webauthn-note" id="webauthn-noscript">Signing in with a passkey needs JavaScript/,
    );
    expect(page.body).toMatch(/id="webauthn-unsupported" role="note" hidden/);
    const script = await t.app.inject({ url: "/static/wharf-webauthn.js" });
    expect(script.body).toContain("Sign in with your password, then your key.");
    expect(script.body).not.toContain("__MESSAGES__");
  });
});
