import { plural } from "../../lib/plural.js";
import type { RecoveryRequest } from "../../recovery/index.js";
import { PROOF_LABELS } from "../../recovery/index.js";
import { Field, Form, FormError, Submit, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { WebAuthnButton } from "../webauthn-ui.js";
import type { FormState } from "./auth.js";

/** On every recovery page: the published policy, with this registry's waits. */
function PolicyLink() {
  return (
    <p class="muted">
      <a href="/help/account-recovery">How account recovery works</a>: the waiting period, the proofs we
      accept and how an owner stops a recovery.
    </p>
  );
}

/** "I can't use any of my factors": the start, reachable from the second-step page. */
export function RecoveryStartPage(ctx: PageContext, s: FormState & { sent?: boolean }) {
  return (
    <div class="card narrow">
      <h1>Recover your account</h1>
      {s.sent ? (
        <p role="status" id="recovery-sent">
          If an account matches and its email address can be used for recovery, we sent it a link. Open it
          within 10 minutes, in this browser. If your email address no longer works, contact the registry
          operators.
        </p>
      ) : (
        <>
          <p>
            Try these first, they are quicker: a <strong>recovery code</strong> you saved when you set up
            two-factor authentication, your <strong>second security key</strong>, or a{" "}
            <strong>passkey</strong> on another device.
          </p>
          <p>
            If none of them works, start a recovery. We will ask you to confirm your email address and then
            check what we can by machine: an API token of the account, a browser you signed in with before, or
            a session still open. Then a waiting period starts during which you, and the people you maintain
            projects with, are told — so that someone who only took over your email cannot take over your
            account.
          </p>
          <Form action="/account/recovery" csrf={ctx.csrf} label="Start account recovery">
            <FormError message={s.error} />
            <Field
              name="login"
              label="Username or email address"
              autocomplete="username"
              value={s.values?.login}
              error={s.errors?.login}
              maxlength={254}
              autofocus
            />
            <Submit>Email me a recovery link</Submit>
          </Form>
        </>
      )}
      <PolicyLink />
    </div>
  );
}

export interface ProofsView {
  request: RecoveryRequest;
  username: string;
  knownBrowser: boolean;
  openSession: boolean;
  waitDays: number;
}

function Detected(p: { ok: boolean; label: string; id: string }) {
  return (
    <li data-proof={p.id} data-found={p.ok ? "yes" : "no"}>
      {p.ok ? "✓" : "✗"} {p.label}
    </li>
  );
}

export function RecoveryProofsPage(ctx: PageContext, s: FormState & ProofsView) {
  const r = s.request;
  return (
    <div class="card narrow">
      <h1>Recover {s.username}</h1>
      <FormError message={s.error} />
      {r.state === "proofs" && (
        <>
          <p>Wharf checks these by itself, in this browser:</p>
          <ul class="plain" id="detected-proofs">
            <Detected
              id="known_browser"
              ok={s.knownBrowser}
              label="This browser signed in to the account before"
            />
            <Detected
              id="open_session"
              ok={s.openSession}
              label="This browser has a session of the account open"
            />
          </ul>
          <Form action="/account/recovery/proofs" csrf={ctx.csrf} label="Present proofs">
            <Field
              name="api_token"
              label="An API token of the account (optional)"
              type="password"
              autocomplete="off"
              error={s.errors?.api_token}
              hint="A token you created earlier (starts with wharf_), e.g. from your CI settings or ~/.pypirc. It is only checked, not used."
            />
            <Submit>Submit the request</Submit>
          </Form>
          <p class="muted">
            With at least one proof, your factors are reset after a waiting period of{" "}
            {plural(s.waitDays, "day")}
            (critical projects' maintainers wait longer). Without one, the registry operators review the
            request by hand, which takes longer.
          </p>
        </>
      )}
      <RequestStatus request={r} />
      <PolicyLink />
    </div>
  );
}

export function RequestStatus(p: { request: RecoveryRequest }) {
  const r = p.request;
  if (r.state === "waiting" && r.waitUntil !== null)
    return (
      <div role="status" id="recovery-status" data-state="waiting">
        <p>
          Your request is in its waiting period until <Time ms={r.waitUntil} />. The account's email address
          and the people you maintain projects with were told. When the wait ends, your factors, sessions and
          tokens are removed and we email you a link to choose a new password; at your next sign-in you set up
          two-factor authentication again.
        </p>
        <p>Proofs: {r.proofs.map((x) => PROOF_LABELS[x.kind]).join("; ") || "approved by an operator"}.</p>
      </div>
    );
  if (r.state === "queued")
    return (
      <p role="status" id="recovery-status" data-state="queued">
        Wharf could not check any proof by itself, so the registry operators will review your request and may
        write to the account's email address.
      </p>
    );
  if (r.state === "proofs") return null;
  return (
    <p role="status" id="recovery-status" data-state={r.state}>
      This request is {r.state}
      {r.decisionReason ? `: ${r.decisionReason}` : "."}
    </p>
  );
}

/** For the owner, signed in: the open request on their account, and the way to stop it. */
export function OpenRecoveryPage(ctx: PageContext, s: { request: RecoveryRequest | null; error?: string }) {
  const r = s.request;
  return (
    <div class="card narrow">
      <h1>Account recovery</h1>
      <FormError message={s.error} />
      {!r ? (
        <p>There is no open recovery request for your account.</p>
      ) : (
        <>
          <p role="alert">
            A recovery of your account was requested on <Time ms={r.createdAt} /> from {r.requesterIp} (
            {r.requesterUa || "unknown browser"}). If it was not you, someone can read your email: cancel it,
            then change your password and your email account's password.
          </p>
          <RequestStatus request={r} />
          <Form action="/account/recovery/open/cancel" csrf={ctx.csrf} label="Cancel the recovery request">
            <input type="hidden" name="request" value={r.id} />
            <Submit kind="danger">Cancel this recovery request</Submit>
          </Form>
        </>
      )}
      <PolicyLink />
    </div>
  );
}

export function CancelByLinkPage(
  ctx: PageContext,
  s: { token: string; request: RecoveryRequest | null; done?: boolean },
) {
  return (
    <div class="card narrow">
      <h1>Cancel account recovery</h1>
      {s.done ? (
        <p role="status">The recovery request was cancelled. Nothing was changed on the account.</p>
      ) : !s.request || !["proofs", "waiting", "queued"].includes(s.request.state) ? (
        <p role="alert">This recovery request is no longer open.</p>
      ) : (
        <Form action="/account/recovery/cancel" csrf={ctx.csrf} label="Cancel the recovery request">
          <input type="hidden" name="token" value={s.token} />
          <p>A recovery of this account is in progress. If you did not ask for it, cancel it.</p>
          <Submit kind="danger">Cancel the recovery request</Submit>
        </Form>
      )}
      <PolicyLink />
    </div>
  );
}

/**
 * Stop a recovery with any one factor, no password needed: the key button (script), or a code from the
 * authenticator app or a recovery code. Shown only for an open request reached through its stop link
 * (or in the browser that started it); `login` is then the account's username.
 */
export function StopRecoveryPage(ctx: PageContext, s: FormState & { login: string; done?: boolean }) {
  if (s.done)
    return (
      <div class="card narrow">
        <h1>Recovery stopped</h1>
        <p role="status" id="recovery-stopped">
          The recovery request was cancelled and nothing was changed. Someone can read your email: change your
          email account's password, then your password here.
        </p>
      </div>
    );
  return (
    <div class="card narrow">
      <h1>Stop a recovery of your account</h1>
      <FormError message={s.error} />
      <p>
        Prove one of your factors — no password needed — and the open recovery request is cancelled at once.
      </p>
      {!s.login ? (
        <p id="stop-needs-link">
          Use the stop link in the latest recovery email about your account: it works while the request is
          open. Without it, sign in with a factor and cancel from your account page, or contact the registry
          operators.
        </p>
      ) : (
        <>
          <section class="factor" aria-labelledby="stop-key-h">
            <h2 id="stop-key-h">Security key or passkey</h2>
            <WebAuthnButton
              mode="recovery-stop"
              csrf={ctx.csrf}
              label="Use your security key"
              kind="primary"
            />
          </section>
          <section class="factor" aria-labelledby="stop-code-h">
            <h2 id="stop-code-h">Authenticator app or recovery code</h2>
            <Form action="/account/recovery/stop" csrf={ctx.csrf} label="Stop with a code">
              <p>
                Account: <strong>{s.login}</strong>
              </p>
              <input type="hidden" name="login" value={s.login} />
              <Field
                name="code"
                label="Code"
                autocomplete="one-time-code"
                error={s.errors?.code}
                maxlength={40}
              />
              <Submit kind="danger">Stop the recovery</Submit>
            </Form>
          </section>
        </>
      )}
      <PolicyLink />
    </div>
  );
}
