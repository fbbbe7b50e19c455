import type { FactorSummary } from "../../mfa/index.js";
import { Field, Form, FormError, Submit } from "../components.js";
import type { PageContext } from "../context.js";
import { WebAuthnButton } from "../webauthn-ui.js";
import type { FormState } from "./auth.js";

/** The second step of signing in: every enrolled method, keys first (phishing-resistant). */
export function SecondStepPage(
  ctx: PageContext,
  s: FormState & { next: string; username: string; factors: FactorSummary },
) {
  const action = `/account/login/two-factor?next=${encodeURIComponent(s.next)}`;
  return (
    <div class="card narrow">
      <h1>Two-factor authentication</h1>
      <p>
        Signing in as <strong>{s.username}</strong>. Confirm it is you with one of your second factors.
      </p>
      <FormError message={s.error} />
      {s.factors.keys.length > 0 && (
        <section aria-labelledby="key-h" class="factor">
          <h2 id="key-h">Security key or passkey</h2>
          <WebAuthnButton
            mode="second-step"
            csrf={ctx.csrf}
            next={s.next}
            label="Use your security key"
            kind="primary"
          />
        </section>
      )}
      {s.factors.totp && (
        <section aria-labelledby="totp-h" class="factor">
          <h2 id="totp-h">Authenticator app</h2>
          <Form action={action} csrf={ctx.csrf} label="Authenticator code">
            <Field
              name="code"
              label="6-digit code"
              autocomplete="one-time-code"
              error={s.errors?.code}
              autofocus
              maxlength={12}
            />
            <label class="check">
              <input type="checkbox" name="remember" value="1" /> Remember this browser for 30 days
            </label>
            <Submit>Verify</Submit>
          </Form>
        </section>
      )}
      <details open={Boolean(s.errors?.recovery_code)}>
        <summary>Use a recovery code</summary>
        <Form action={action} csrf={ctx.csrf} label="Recovery code">
          <Field
            name="recovery_code"
            label="Recovery code"
            autocomplete="off"
            error={s.errors?.recovery_code}
            maxlength={40}
            hint="Each code works once."
          />
          <label class="check">
            <input type="checkbox" name="remember" value="1" /> Remember this browser for 30 days
          </label>
          <Submit kind="secondary">Use recovery code</Submit>
        </Form>
      </details>
      <p class="muted">
        Lost every factor?{" "}
        <a href={`/account/recovery?login=${encodeURIComponent(s.username)}`} id="cant-use-factors">
          I can't use any of my factors
        </a>
      </p>
    </div>
  );
}
