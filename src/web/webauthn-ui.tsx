import type { ComponentChildren } from "preact";
import type { WebAuthnContext } from "./webauthn-messages.js";

/*
 * The one WebAuthn button every page uses (sign in with a passkey, the second step's and the recovery
 * stop page's "Use your security key", sudo's "Use a passkey") and the notes of the enrolment form.
 * The button is rendered disabled: the script enables it only where WebAuthn exists, so without
 * JavaScript it cannot be pressed for nothing (issue 14 item 8), and the <noscript> note says what to
 * do instead; where the script runs but the browser has no PublicKeyCredential, it stays disabled and
 * the unsupported note is shown.
 */

const NOSCRIPT: Record<WebAuthnContext, string> = {
  passkey:
    "Signing in with a passkey needs JavaScript, which is off in this browser. Sign in with your username and password above instead, then your second factor.",
  "second-step":
    "A security key needs JavaScript, which is off in this browser. Use another factor on this page (authenticator app or recovery code), or turn JavaScript on and reload.",
  sudo: "A passkey needs JavaScript, which is off in this browser. Confirm with your password and a code above instead.",
  "recovery-stop":
    "A security key needs JavaScript, which is off in this browser. Stop the recovery with an authenticator code or a recovery code below, or turn JavaScript on and reload.",
  approval:
    "A security key needs JavaScript, which is off in this browser. Turn JavaScript on and reload, or use a code below where the release allows it.",
  enrol:
    "Adding a security key or passkey needs JavaScript, which is off in this browser: the browser talks to the key through the WebAuthn API. Turn JavaScript on and reload, or set up an authenticator app instead.",
};

const UNSUPPORTED: Record<WebAuthnContext, string> = {
  passkey:
    "This browser cannot use passkeys (it has no WebAuthn support). Sign in with your username and password instead.",
  "second-step":
    "This browser cannot use security keys (it has no WebAuthn support). Use another factor on this page, or another browser.",
  sudo: "This browser cannot use passkeys (it has no WebAuthn support). Confirm with your password and a code instead.",
  "recovery-stop":
    "This browser cannot use security keys (it has no WebAuthn support). Stop the recovery with a code below, or use another browser.",
  approval:
    "This browser cannot use security keys (it has no WebAuthn support). Use another browser, or a code below where the release allows it.",
  enrol:
    "This browser cannot use security keys or passkeys (it has no WebAuthn support). Use another browser, or set up an authenticator app instead.",
};

/** The notes a WebAuthn control carries: no script, and no WebAuthn in this browser. */
export function WebAuthnNotes({ context }: { context: WebAuthnContext }) {
  return (
    <>
      <p class="webauthn-note" id="webauthn-unsupported" role="note" hidden>
        {UNSUPPORTED[context]}
      </p>
      <noscript>
        <p class="webauthn-note" id="webauthn-noscript">
          {NOSCRIPT[context]}
        </p>
      </noscript>
    </>
  );
}

export function WebAuthnButton(p: {
  mode: Exclude<WebAuthnContext, "enrol" | "approval">;
  csrf: string;
  label: string;
  kind?: "primary" | "secondary";
  next?: string;
  children?: ComponentChildren;
}) {
  return (
    <div id="webauthn-login" class="webauthn-block" data-mode={p.mode} data-next={p.next} data-csrf={p.csrf}>
      {p.children}
      <button
        type="button"
        class={`button ${p.kind ?? "secondary"}`}
        id="webauthn-login-button"
        aria-describedby="webauthn-status"
        disabled
      >
        {p.label}
      </button>
      <p class="hint" id="webauthn-status" role="status" aria-live="polite" />
      <WebAuthnNotes context={p.mode} />
      <script src="/static/wharf-webauthn.js" defer />
    </div>
  );
}
