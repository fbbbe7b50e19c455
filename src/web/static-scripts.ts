import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { COPY_CLIENT } from "./copy-script.js";

/**
 * The only scripts the site has, served from our origin (the CSP allows no inline script and no CDN):
 * SimpleWebAuthn's browser bundle, read from node_modules once at start-up, and WEBAUTHN_CLIENT below.
 * /static/wharf-webauthn.js is both concatenated, so a page needs one <script defer> and cannot run
 * ours before the library has loaded.
 */
function simpleWebAuthnBundle(): string {
  // The package exports only its entry points; its root is two levels above the CommonJS one.
  const entry = createRequire(import.meta.url).resolve("@simplewebauthn/browser");
  const root = dirname(dirname(entry));
  return readFileSync(join(root, "dist", "bundle", "index.umd.min.js"), "utf8").replace(
    /^\/\/# sourceMappingURL=.*$/gm,
    "",
  );
}

/**
 * Runs the WebAuthn ceremonies for the markup the pages render:
 * - `#webauthn-login[data-mode=passkey|second-step|sudo|recovery-stop]` with `#webauthn-login-button` and
 *   `#webauthn-status`: options → navigator.credentials.get() → POST → follow `redirect`.
 * - `form#webauthn-enroll`: options (label checked first) → navigator.credentials.create() → fill the
 *   hidden fields → submit the form, so the server answers with an ordinary page (recovery codes, when
 *   this is the first factor, exist only in that response).
 * JSON posts carry the CSRF token in `x-csrf-token`; errors come back as `{ error }` and are shown.
 */
const WEBAUTHN_CLIENT = `
(function () {
  "use strict";
  var W = window.SimpleWebAuthnBrowser;
  var ENDPOINTS = {
    "second-step": "/account/login/webauthn",
    passkey: "/account/login/passkey",
    sudo: "/account/sudo/passkey",
    "recovery-stop": "/account/recovery/stop/key"
  };

  function supported() {
    return Boolean(W && W.browserSupportsWebAuthn && W.browserSupportsWebAuthn());
  }

  function say(el, text, isError) {
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("field-error", Boolean(isError));
  }

  async function post(url, payload, csrf) {
    var res;
    try {
      res = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": csrf },
        body: JSON.stringify(payload)
      });
    } catch (e) {
      throw new Error("The registry could not be reached. Check your connection and try again.");
    }
    var data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok || !data || data.error) {
      throw new Error((data && data.error) || "The request failed (HTTP " + res.status + "). Reload the page and try again.");
    }
    return data;
  }

  function explain(e) {
    var name = e && e.name;
    if (name === "NotAllowedError" || name === "AbortError") {
      return "The key was not used: the request was cancelled or timed out. Try again.";
    }
    if (name === "InvalidStateError") return "This key is already registered to your account.";
    if (name === "SecurityError") {
      return "The browser refused: this page's address does not match the registry's configured origin.";
    }
    return (e && e.message) || "Something went wrong. Try again.";
  }

  function setupSignIn(box) {
    var url = ENDPOINTS[box.getAttribute("data-mode")];
    var button = box.querySelector("#webauthn-login-button");
    var status = box.querySelector("#webauthn-status");
    if (!url || !button) return;
    if (!supported()) {
      button.disabled = true;
      say(status, "This browser cannot use security keys or passkeys.", true);
      return;
    }
    button.addEventListener("click", async function () {
      var csrf = box.getAttribute("data-csrf") || "";
      button.disabled = true;
      say(status, "Waiting for your key…", false);
      try {
        var o = await post(url + "/options", {}, csrf);
        var response = await W.startAuthentication({ optionsJSON: o.options });
        say(status, "Checking…", false);
        var done = await post(url, {
          challengeId: o.challengeId,
          response: response,
          next: box.getAttribute("data-next") || undefined
        }, csrf);
        say(status, "Done. Continuing…", false);
        window.location.assign(done.redirect);
      } catch (e) {
        say(status, explain(e), true);
        button.disabled = false;
      }
    });
  }

  function setupEnroll(form) {
    var status = form.querySelector("#webauthn-enroll-status");
    var buttons = form.querySelectorAll("button[type=submit]");
    var field = function (name) { return form.elements.namedItem(name); };
    var busy = false;
    var setBusy = function (b) {
      busy = b;
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = b;
    };
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (busy) return;
      if (!supported()) {
        say(status, "This browser cannot use security keys or passkeys.", true);
        return;
      }
      var kind = event.submitter && event.submitter.value === "passkey" ? "passkey" : "security-key";
      var csrf = form.getAttribute("data-csrf") || "";
      setBusy(true);
      say(status, "Preparing…", false);
      try {
        var o = await post("/account/two-factor/keys/options", { kind: kind, label: field("label").value }, csrf);
        say(status, kind === "passkey" ? "Follow your browser's prompt to create the passkey…" : "Touch your security key…", false);
        var response = await W.startRegistration({ optionsJSON: o.options });
        field("key_kind").value = kind;
        field("challenge_id").value = o.challengeId;
        field("response").value = JSON.stringify(response);
        say(status, "Saving…", false);
        form.submit();
      } catch (e) {
        say(status, explain(e), true);
        setBusy(false);
      }
    });
  }

  var box = document.getElementById("webauthn-login");
  if (box) setupSignIn(box);
  var enroll = document.getElementById("webauthn-enroll");
  if (enroll) setupEnroll(enroll);
})();
`;

export function registerStaticScripts(app: FastifyInstance): void {
  const bundle = simpleWebAuthnBundle();
  const combined = `${bundle}\n;${WEBAUTHN_CLIENT}`;
  const serve = (path: string, body: string) =>
    app.get(path, (_req, reply) =>
      reply
        .header("content-type", "text/javascript; charset=utf-8")
        .header("cache-control", "public, max-age=3600")
        .send(body),
    );
  serve("/static/simplewebauthn-browser.js", bundle);
  serve("/static/wharf-webauthn.js", combined);
  serve("/static/wharf-copy.js", COPY_CLIENT);
}
