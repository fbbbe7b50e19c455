import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { COPY_CLIENT } from "./copy-script.js";
import { WEBAUTHN_MESSAGES } from "./webauthn-messages.js";

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
 * - `form#webauthn-approve[data-options]` (a staged release): the pressed button's intent → options for
 *   that release and intent → navigator.credentials.get() → fill the hidden fields → submit the form,
 *   so the decision is answered with an ordinary page.
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
    // An error is red with its icon (.field-error); .hint would make it grey again, so it goes.
    el.classList.toggle("field-error", Boolean(isError));
    el.classList.toggle("hint", !isError);
  }

  /** Shows (or, with no text, clears) an error beside an input, as the server-rendered Field does. */
  function fieldError(input, text) {
    if (!input || !input.id) return;
    var id = input.id + "-error";
    var p = document.getElementById(id);
    var wrap = input.closest(".field");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (x) {
      return x && x !== id;
    });
    if (!text) {
      if (p) p.remove();
      input.removeAttribute("aria-invalid");
      if (wrap) wrap.classList.remove("has-error");
    } else {
      if (!p) {
        p = document.createElement("p");
        p.id = id;
        p.className = "field-error";
        p.setAttribute("role", "alert");
        input.insertAdjacentElement("afterend", p);
      }
      p.textContent = text;
      // The protect page keeps the name in a <details>: open it, or the message would stay hidden.
      var details = input.closest("details");
      if (details) details.open = true;
      input.setAttribute("aria-invalid", "true");
      if (wrap) wrap.classList.add("has-error");
      described.push(id);
    }
    if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
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
      var err = new Error((data && data.error) || "The request failed (HTTP " + res.status + "). Reload the page and try again.");
      err.field = data && data.field;
      throw err;
    }
    return data;
  }

  // Messages by DOMException name and button (webauthn-messages.ts); SimpleWebAuthn keeps the name.
  var MESSAGES = __MESSAGES__;
  function explain(e, context) {
    var table = MESSAGES[context] || MESSAGES["second-step"];
    var name = e && (e.name || (e.cause && e.cause.name));
    if (name && name !== "Error" && table[name]) return table[name];
    // Our own errors (the registry's answer, the network) carry a message meant for people.
    if (e && e.name === "Error" && e.message) return e.message;
    return table["default"];
  }

  /** No WebAuthn here: keep the buttons disabled and say so next to them. */
  function unsupported(root, buttons) {
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    var note = root.querySelector("#webauthn-unsupported");
    if (note) note.hidden = false;
  }

  function setupSignIn(box) {
    var url = ENDPOINTS[box.getAttribute("data-mode")];
    var button = box.querySelector("#webauthn-login-button");
    var status = box.querySelector("#webauthn-status");
    var mode = box.getAttribute("data-mode");
    if (!url || !button) return;
    if (!supported()) return unsupported(box, [button]);
    button.disabled = false;
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
        say(status, explain(e, mode), true);
        button.disabled = false;
      }
    });
  }

  // What the key forms (enrol, approve) share: the status line, named fields, and one ceremony at a
  // time (every submit button disabled while it runs). Null when the browser has no WebAuthn.
  function keyForm(form, statusSelector) {
    var buttons = form.querySelectorAll("button[type=submit]");
    if (!supported()) {
      unsupported(form, buttons);
      return null;
    }
    var f = {
      busy: false,
      status: form.querySelector(statusSelector),
      field: function (name) { return form.elements.namedItem(name); },
      setBusy: function (b) {
        f.busy = b;
        for (var i = 0; i < buttons.length; i++) buttons[i].disabled = b;
      }
    };
    f.setBusy(false);
    return f;
  }

  function setupEnroll(form) {
    var f = keyForm(form, "#webauthn-enroll-status");
    if (!f) return;
    var status = f.status, field = f.field, setBusy = f.setBusy;
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (f.busy) return;
      var kind = event.submitter && event.submitter.value === "passkey" ? "passkey" : "security-key";
      var csrf = form.getAttribute("data-csrf") || "";
      setBusy(true);
      fieldError(field("label"), "");
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
        // A refused name belongs beside the name field (red, announced); anything else in the status line.
        if (e && e.field === "label" && field("label")) {
          say(status, "", false);
          fieldError(field("label"), e.message);
          field("label").focus();
        } else say(status, explain(e, "enrol"), true);
        setBusy(false);
      }
    });
  }

  function setupApprove(form) {
    var f = keyForm(form, "#webauthn-status");
    if (!f) return;
    var status = f.status, field = f.field, setBusy = f.setBusy;
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (f.busy) return;
      var intent = event.submitter && event.submitter.value === "reject" ? "reject" : "approve";
      var csrf = form.getAttribute("data-csrf") || "";
      setBusy(true);
      say(status, "Waiting for your key…", false);
      try {
        var o = await post(form.getAttribute("data-options"), { intent: intent }, csrf);
        var response = await W.startAuthentication({ optionsJSON: o.options });
        field("intent").value = intent;
        field("challenge_id").value = o.challengeId;
        field("response").value = JSON.stringify(response);
        say(status, "Checking…", false);
        form.submit();
      } catch (e) {
        say(status, explain(e, "approval"), true);
        setBusy(false);
      }
    });
  }

  var box = document.getElementById("webauthn-login");
  if (box) setupSignIn(box);
  var enroll = document.getElementById("webauthn-enroll");
  if (enroll) setupEnroll(enroll);
  var approve = document.getElementById("webauthn-approve");
  if (approve) setupApprove(approve);
})();
`;

export function registerStaticScripts(app: FastifyInstance): void {
  const bundle = simpleWebAuthnBundle();
  const client = WEBAUTHN_CLIENT.replace("__MESSAGES__", () => JSON.stringify(WEBAUTHN_MESSAGES));
  const combined = `${bundle}\n;${client}`;
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
