import type { Session, User } from "../../accounts/index.js";
import type { SecurityEvent } from "../../events/index.js";
import { plural } from "../../lib/plural.js";
import type { FactorSummary, RememberedBrowser } from "../../mfa/index.js";
import { Field, Form, FormError, Submit, TableScroll, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { EventDetails } from "../event-details.js";
import type { FormState } from "./auth.js";

/** First on the settings page: whether a second factor protects the account, and the way to one. */
function TwoFactorCard(p: { f: FactorSummary }) {
  const { f } = p;
  const parts = [
    f.keys.length ? plural(f.keys.length, "security key or passkey", "security keys or passkeys") : "",
    f.totp ? "an authenticator app" : "",
  ].filter(Boolean);
  return (
    <section
      class={f.enrolled ? "card twofa-card" : "card twofa-card off"}
      id="two-factor"
      aria-labelledby="twofa-h"
    >
      <h2 id="twofa-h">Two-factor authentication</h2>
      {f.enrolled ? (
        <p class="status">
          <span class="badge ok">on</span> {parts.join(" and ")};{" "}
          {plural(f.recoveryCodesRemaining, "unused recovery code")}.
        </p>
      ) : (
        <p class="status">
          <span class="badge warn">off</span> Anyone who learns your password can sign in and publish as you.
        </p>
      )}
      <p>
        {f.enrolled ? (
          <a class="button secondary" href="/account/two-factor">
            Manage two-factor authentication
          </a>
        ) : (
          <a class="button primary" href="/account/protect">
            Protect your account
          </a>
        )}
      </p>
    </section>
  );
}

export function SettingsPage(
  ctx: PageContext,
  s: { user: User; f: FactorSummary; email?: FormState; password?: FormState },
) {
  const { user } = s;
  return (
    <>
      <h1>Account settings</h1>
      <TwoFactorCard f={s.f} />
      <section class="card" id="email" aria-labelledby="email-h">
        <h2 id="email-h">Email address</h2>
        <p>
          <strong>{user.email}</strong>{" "}
          {user.emailVerified ? (
            <span class="badge ok">verified</span>
          ) : (
            <span class="badge warn">not verified</span>
          )}
        </p>
        {!user.emailVerified && (
          <Form action="/account/resend-verification" csrf={ctx.csrf} label="Resend verification">
            <Submit kind="secondary">Resend the verification link</Submit>
          </Form>
        )}
        <Form action="/account/email" csrf={ctx.csrf} label="Change email address">
          <FormError message={s.email?.error} />
          <Field
            name="email"
            label="New email address"
            type="email"
            autocomplete="email"
            value={s.email?.values?.email}
            error={s.email?.errors?.email}
            hint="We send a link to the new address; the change happens when you open it. Your current address is told too."
          />
          <Submit>Change email</Submit>
        </Form>
      </section>
      <section class="card" id="password" aria-labelledby="password-h">
        <h2 id="password-h">Password</h2>
        <Form action="/account/password" csrf={ctx.csrf} label="Change password">
          <FormError message={s.password?.error} />
          <Field
            name="current_password"
            label="Current password"
            type="password"
            autocomplete="current-password"
            error={s.password?.errors?.current_password}
          />
          <Field
            name="new_password"
            label="New password"
            type="password"
            autocomplete="new-password"
            error={s.password?.errors?.new_password}
            hint="At least 8 characters; common passwords are refused. Your other sessions will be signed out."
          />
          <Submit>Change password</Submit>
        </Form>
      </section>
      <section class="card">
        <h2>Security</h2>
        <ul>
          <li>
            <a href="/account/two-factor">Two-factor authentication</a> — security keys, passkeys,
            authenticator app, recovery codes
          </li>
          <li>
            <a href="/account/sessions">Sessions</a> — where you are signed in
          </li>
          <li>
            <a href="/account/tokens">API tokens</a> — for twine and npm, scoped to projects
          </li>
          <li>
            <a href="/account/publishing">Pending publishers</a> — let a CI workflow create a new project
            without a token (trusted publishing)
          </li>
          <li>
            <a href="/account/security-history">Security history</a> — sign-ins and changes of the last 90
            days
          </li>
        </ul>
      </section>
    </>
  );
}

export function SessionsPage(
  ctx: PageContext,
  s: { sessions: Session[]; currentId: string; remembered: RememberedBrowser[] },
) {
  return (
    <>
      <h1>Sessions</h1>
      <p>Browsers signed in to your account. Sign out any you do not recognise, then change your password.</p>
      <TableScroll label="Sessions">
        <thead>
          <tr>
            <th scope="col">Browser</th>
            <th scope="col">IP address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last active</th>
            <th scope="col">
              <span class="muted">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {s.sessions.map((x) => (
            <tr key={x.publicId}>
              <td>
                {x.userAgent || "Unknown"}{" "}
                {x.publicId === s.currentId && <span class="badge ok">this browser</span>}
                <br />
                <span class="muted">
                  signed in with {x.authMethod.replace(/_/g, " ")}
                  {x.phishingResistant ? " (phishing-resistant)" : ""}
                </span>
              </td>
              <td>{x.ip}</td>
              <td>
                <Time ms={x.createdAt} />
              </td>
              <td>
                <Time ms={x.lastSeenAt} />
              </td>
              <td>
                {x.publicId !== s.currentId && (
                  <Form
                    action="/account/sessions/revoke"
                    csrf={ctx.csrf}
                    class="inline"
                    label="Sign out session"
                  >
                    <input type="hidden" name="session" value={x.publicId} />
                    <Submit kind="secondary">Sign out</Submit>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </TableScroll>
      {s.sessions.length > 1 && (
        <p>
          <Form
            action="/account/sessions/revoke-others"
            csrf={ctx.csrf}
            class="inline"
            label="Sign out everywhere else"
          >
            <Submit kind="danger">Sign out all other sessions</Submit>
          </Form>
        </p>
      )}
      <h2>Remembered browsers</h2>
      <p>
        These browsers skip the second factor when signing in, for 30 days after you chose "Remember this
        browser".
      </p>
      {s.remembered.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <TableScroll label="Remembered browsers">
          <tbody>
            {s.remembered.map((r) => (
              <tr key={r.id}>
                <td>{r.userAgent || "Unknown"}</td>
                <td>
                  remembered until <Time ms={r.expiresAt} />
                </td>
                <td>
                  <Form
                    action={`/account/remembered/${r.id}/forget`}
                    csrf={ctx.csrf}
                    class="inline"
                    label="Forget browser"
                  >
                    <Submit kind="secondary">Forget</Submit>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
    </>
  );
}

export function HistoryPage(_ctx: PageContext, s: { events: SecurityEvent[] }) {
  return (
    <>
      <h1>Security history</h1>
      <p>Sign-ins and security changes on your account over the last 90 days, newest first.</p>
      {s.events.length === 0 ? (
        <p class="muted">Nothing yet.</p>
      ) : (
        <TableScroll label="Security history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Details</th>
              <th scope="col">IP address</th>
            </tr>
          </thead>
          <tbody>
            {s.events.map((e) => (
              <tr key={e.id} data-event={e.type}>
                <td>
                  <Time ms={e.createdAt} />
                </td>
                <td>{e.label}</td>
                <td>
                  <EventDetails event={e} />
                </td>
                <td>{e.ip ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
    </>
  );
}
