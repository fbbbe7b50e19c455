import { type KeyInfo, LABEL_MAX } from "../../mfa/index.js";
import { Field, Form, FormError, Submit, TableScroll, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { WebAuthnNotes } from "../webauthn-ui.js";
import type { FormState } from "./auth.js";

/**
 * Adding and naming security keys and passkeys. The add form is a real form: the script only runs the
 * WebAuthn ceremony (which needs JavaScript) and then submits it, so the answer is an ordinary page —
 * the recovery codes page when this key is the first factor.
 */
export function KeysPage(ctx: PageContext, s: FormState & { keys: KeyInfo[] }) {
  return (
    <>
      <p>
        <a href="/account/two-factor">← Two-factor authentication</a>
      </p>
      <h1>Security keys and passkeys</h1>
      <FormError message={s.error} />
      <section class="card" aria-labelledby="add-h">
        <h2 id="add-h">Add a key</h2>
        <p>
          A <strong>security key</strong> (a USB or NFC key, or your device) is a second factor after your
          password. A <strong>passkey</strong> also signs you in <em>without</em> a password: it verifies you
          with a PIN or biometrics. Both resist phishing. Add two, so that losing one never locks you out.
        </p>
        <form
          method="post"
          action="/account/two-factor/keys"
          class="form"
          id="webauthn-enroll"
          aria-label="Add a security key or passkey"
          data-csrf={ctx.csrf}
          novalidate
        >
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <input type="hidden" name="key_kind" value="" />
          <input type="hidden" name="challenge_id" value="" />
          <input type="hidden" name="response" value="" />
          <Field
            name="label"
            label="Name"
            value={s.values?.label}
            error={s.errors?.label}
            hint="So you can tell your keys apart, e.g. “Blue YubiKey” or “Work laptop”."
            maxlength={LABEL_MAX}
            autocomplete="off"
          />
          <button type="submit" name="kind" value="security-key" class="button primary" disabled>
            Add security key
          </button>{" "}
          <button type="submit" name="kind" value="passkey" class="button secondary" disabled>
            Add passkey
          </button>
          <p class="hint" id="webauthn-enroll-status" role="status" aria-live="polite" />
          <WebAuthnNotes context="enrol" />
        </form>
        <script src="/static/wharf-webauthn.js" defer />
      </section>
      <section class="card" aria-labelledby="yours-h">
        <h2 id="yours-h">Your keys</h2>
        {s.keys.length === 0 ? (
          <p class="muted">None yet.</p>
        ) : (
          <TableScroll label="Security keys">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Added</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="muted">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {s.keys.map((k) => (
                <KeyRow key={k.id} k={k} csrf={ctx.csrf} />
              ))}
            </tbody>
          </TableScroll>
        )}
      </section>
    </>
  );
}

function KeyRow({ k, csrf }: { k: KeyInfo; csrf: string }) {
  return (
    <tr data-key={k.label}>
      <td>{k.label}</td>
      <td>
        {k.isPasskey ? "Passkey" : "Security key"}
        {k.backedUp && <span class="badge">synced</span>}
      </td>
      <td>
        <Time ms={k.createdAt} />
      </td>
      <td>{k.lastUsedAt ? <Time ms={k.lastUsedAt} /> : <span class="muted">never</span>}</td>
      <td>
        <Form
          action={`/account/two-factor/keys/${k.id}/rename`}
          csrf={csrf}
          class="inline"
          label={`Rename ${k.label}`}
        >
          <label class="visually-hidden" for={`rename-${k.id}`}>
            New name for {k.label}
          </label>
          <input
            id={`rename-${k.id}`}
            name="label"
            value={k.label}
            maxlength={LABEL_MAX}
            required
            autocomplete="off"
          />{" "}
          <Submit kind="secondary">Rename</Submit>
        </Form>{" "}
        <Form
          action={`/account/two-factor/keys/${k.id}/remove`}
          csrf={csrf}
          class="inline"
          label={`Remove ${k.label}`}
        >
          <Submit kind="danger">Remove</Submit>
        </Form>
      </td>
    </tr>
  );
}
