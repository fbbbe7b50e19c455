import { noun, plural } from "../../lib/plural.js";
import type { FactorSummary, TotpEnrollment } from "../../mfa/index.js";
import { Field, Form, FormError, Submit, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { Copyable } from "../copy.js";
import type { FormState } from "./auth.js";

const Strength = (p: { resistant: boolean }) =>
  p.resistant ? <span class="badge ok">phishing-resistant</span> : <span class="badge">phishable</span>;

const LastUsed = (p: { ms: number | null }) => (p.ms ? <Time ms={p.ms} /> : <span class="muted">never</span>);

export function TwoFactorPage(
  ctx: PageContext,
  s: { f: FactorSummary; error?: string; otherSessions?: number },
) {
  const { f } = s;
  const last = (f.totp ? 1 : 0) + f.keys.length === 1;
  return (
    <>
      <h1>Two-factor authentication</h1>
      <FormError message={s.error} />
      {!f.enrolled && (
        <div class="alert info">
          Protect your account with a second factor. Security keys and passkeys resist phishing; an
          authenticator app is free and works everywhere. Enroll two keys, or a key and an app, so losing one
          never locks you out.
        </div>
      )}
      {f.enrolled && !f.recoveryCodesConfirmed && (
        <div class="alert error" role="note" id="codes-unconfirmed">
          Your newest recovery codes were never confirmed as saved. If you did not keep them, generate new
          ones below and save those: without them, losing your device locks you out.
        </div>
      )}
      {last && (
        <div class="alert info" role="note">
          You have only one second factor. Add another (a second security key is best) so a lost device does
          not lock you out. Removing it turns two-factor authentication off.
        </div>
      )}
      {(s.otherSessions ?? 0) > 0 && (
        <div class="alert info" role="note" id="other-sessions">
          {/* ASVS v5 7.4.3: offer to end other sessions after an authentication change. */}
          You are signed in on {plural(s.otherSessions ?? 0, "other browser")}. After changing your factors,
          end those sessions if you did not start them yourself.
          <Form
            action="/account/sessions/revoke-others"
            csrf={ctx.csrf}
            class="inline"
            label="Sign out other sessions"
          >
            <Submit kind="secondary">Sign out all other sessions</Submit>
          </Form>
        </div>
      )}
      <section class="card" aria-labelledby="keys-h">
        <h2 id="keys-h">Security keys and passkeys</h2>
        {f.keys.length === 0 ? (
          <p class="muted">None yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Added</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="muted">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {f.keys.map((k) => (
                <tr key={k.id} data-key={k.label}>
                  <td>{k.label}</td>
                  <td>
                    {k.isPasskey ? "Passkey" : "Security key"} <Strength resistant />
                  </td>
                  <td>
                    <Time ms={k.createdAt} />
                  </td>
                  <td>
                    <LastUsed ms={k.lastUsedAt} />
                  </td>
                  <td>
                    <Form
                      action={`/account/two-factor/keys/${k.id}/remove`}
                      csrf={ctx.csrf}
                      class="inline"
                      label={`Remove ${k.label}`}
                    >
                      <Submit kind="danger">Remove</Submit>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p>
          <a class="button primary" href="/account/two-factor/keys">
            Add a security key or passkey
          </a>
        </p>
      </section>
      <section class="card" aria-labelledby="totp-h">
        <h2 id="totp-h">Authenticator app</h2>
        {f.totp ? (
          <>
            <p>
              Enabled <Strength resistant={false} /> — added <Time ms={f.totp.createdAt} />, last used{" "}
              <LastUsed ms={f.totp.lastUsedAt} />.
            </p>
            <Form action="/account/two-factor/totp/remove" csrf={ctx.csrf} label="Remove authenticator app">
              <Submit kind="danger">Remove authenticator app</Submit>
            </Form>
          </>
        ) : (
          <p>
            <a class="button secondary" href="/account/two-factor/totp">
              Set up an authenticator app
            </a>
          </p>
        )}
      </section>
      <section class="card" aria-labelledby="codes-h">
        <h2 id="codes-h">Recovery codes</h2>
        {f.enrolled ? (
          <>
            <p>
              <strong id="codes-left">{f.recoveryCodesRemaining}</strong> unused recovery{" "}
              {noun(f.recoveryCodesRemaining, "code")}.{" "}
              {f.recoveryCodesRemaining <= 2 && <strong>Generate new ones before you run out.</strong>}
            </p>
            <Form
              action="/account/two-factor/recovery-codes"
              csrf={ctx.csrf}
              label="Generate new recovery codes"
            >
              <Submit kind="secondary">Generate new recovery codes</Submit>
            </Form>
          </>
        ) : (
          <p class="muted">Generated when you enroll your first factor.</p>
        )}
      </section>
    </>
  );
}

/** The secret in groups of four, as people read and type it (apps accept it with or without spaces). */
export const groupSecret = (secret: string) => secret.match(/.{1,4}/g)?.join(" ") ?? secret;

/**
 * The QR (about 200 px) beside the code field, so both fit a 1280×800 screen without scrolling and no
 * autofocus pulls the page away from the QR; on a phone, the otpauth:// link opens the authenticator
 * app on the same device, where a QR cannot be scanned.
 */
export function TotpEnrollPage(ctx: PageContext, s: FormState & { e: TotpEnrollment }) {
  return (
    <div class="card">
      <h1>Set up an authenticator app</h1>
      <div class="totp-setup">
        <div
          class="qr"
          role="img"
          aria-label="QR code for your authenticator app"
          dangerouslySetInnerHTML={{ __html: s.e.qrSvg }}
        />
        <div>
          <ol>
            <li>
              Scan the QR code with your authenticator app, or on this phone{" "}
              <a class="otpauth-link" id="totp-uri" href={s.e.uri}>
                open it in your authenticator app
              </a>
              .
            </li>
            <li>Enter the 6-digit code the app shows.</li>
          </ol>
          <p class="hint">Cannot scan? Enter this key in the app by hand:</p>
          <Copyable
            id="totp-secret"
            text={groupSecret(s.e.secret)}
            copyText={s.e.secret}
            label="the setup key"
            secret
          />
          <Form action="/account/two-factor/totp" csrf={ctx.csrf} label="Confirm authenticator app">
            <FormError message={s.error} />
            <input type="hidden" name="sealed" value={s.e.sealed} />
            <Field
              name="code"
              label="Code from the app"
              autocomplete="one-time-code"
              error={s.errors?.code}
              maxlength={12}
            />
            <Submit>Enable</Submit>
          </Form>
        </div>
      </div>
    </div>
  );
}

export function CheckupPage(ctx: PageContext, s: { f: FactorSummary; next: string }) {
  return (
    <div class="card narrow">
      <h1>Two-factor checkup</h1>
      <p>
        You set up two-factor authentication a while ago. If you lost your device today, could you still sign
        in? You have {plural(s.f.recoveryCodesRemaining, "unused recovery code")},{" "}
        {plural(s.f.keys.length, "security key")}
        {s.f.totp ? " and an authenticator app" : ""}.
      </p>
      <Form
        action={`/account/two-factor/checkup?next=${encodeURIComponent(s.next)}`}
        csrf={ctx.csrf}
        label="Checkup"
      >
        <button type="submit" name="answer" value="ok" class="button primary">
          Yes, I still have my recovery codes
        </button>{" "}
        <button type="submit" name="answer" value="regenerate" class="button secondary">
          Generate new recovery codes
        </button>
      </Form>
    </div>
  );
}
