import { LABEL_MAX } from "../../mfa/index.js";
import { FormError } from "../components.js";
import type { PageContext } from "../context.js";
import type { FormState } from "./auth.js";

/** The name a first key gets unless the user changes it (it can be renamed later on the keys page). */
export const FIRST_KEY_LABEL = "My first key";

/**
 * "Protect your account": the step after sign-up and email verification for an account with no
 * second factor. A passkey or security key first (one click, then the browser's own prompt; the answer
 * is the recovery codes page), an authenticator app second, "later" last and quiet. The key form is
 * the keys page's `#webauthn-enroll` form, so /static/wharf-webauthn.js runs it unchanged.
 */
export function ProtectPage(ctx: PageContext, s: FormState) {
  return (
    <div class="protect">
      <h1>Protect your account</h1>
      <p>
        A password can be guessed, phished or leaked. Add a second factor now, so that nobody can sign in or
        publish as you with your password alone. It takes a minute.
      </p>
      <FormError message={s.error} />
      <div class="options">
        <section class="option recommended" aria-labelledby="protect-key-h">
          <h2 id="protect-key-h">
            Passkey or security key <span class="badge ok">recommended</span>
          </h2>
          <p>
            Your phone, computer or a USB/NFC key confirms it is you with a touch, a fingerprint or a PIN. It
            cannot be phished, and a passkey also signs you in without your password.
          </p>
          <form
            method="post"
            action="/account/two-factor/keys"
            class="form"
            id="webauthn-enroll"
            aria-label="Add a passkey or security key"
            data-csrf={ctx.csrf}
            novalidate
          >
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <input type="hidden" name="key_kind" value="" />
            <input type="hidden" name="challenge_id" value="" />
            <input type="hidden" name="response" value="" />
            <details class="field">
              <summary>Name it (now “{s.values?.label || FIRST_KEY_LABEL}”)</summary>
              <label for="label">Name</label>
              <input
                id="label"
                name="label"
                type="text"
                value={s.values?.label || FIRST_KEY_LABEL}
                maxlength={LABEL_MAX}
                autocomplete="off"
              />
            </details>
            <button type="submit" name="kind" value="passkey" class="button primary">
              Add a passkey
            </button>{" "}
            <button type="submit" name="kind" value="security-key" class="button secondary">
              Use a security key
            </button>
            <p class="hint" id="webauthn-enroll-status" role="status" aria-live="polite" />
            <noscript>
              <p class="alert info">
                Adding a key needs JavaScript: the browser talks to the key through the WebAuthn API. Enable
                it for this site, or use an authenticator app.
              </p>
            </noscript>
          </form>
          <script src="/static/wharf-webauthn.js" defer />
        </section>
        <section class="option" aria-labelledby="protect-app-h">
          <h2 id="protect-app-h">Authenticator app</h2>
          <p>
            Free and works everywhere: an app on your phone (Google Authenticator, Aegis, 1Password, …) shows
            a new 6-digit code every 30 seconds.
          </p>
          <a class="button secondary" href="/account/two-factor/totp">
            Set up an authenticator app
          </a>
        </section>
      </div>
      <p class="later">
        <a href="/account/" id="protect-later">
          Later
        </a>{" "}
        <span class="muted">— you can do it any time from Account settings.</span>
      </p>
    </div>
  );
}
