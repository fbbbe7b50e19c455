import { plural } from "../../lib/plural.js";
import type { PageContext } from "../context.js";

const DAY = 86_400_000;

/**
 * The published account-recovery policy (OpenSSF Securing Software Repositories, level 1): what a
 * person who lost every factor can do, how long it takes here (the operator's settings, not a
 * brochure's numbers), what counts as proof, how the owner stops a recovery they did not ask for, and
 * the operators' path when no proof can be checked by machine.
 */
export function AccountRecoveryPolicyPage(
  _ctx: PageContext,
  p: { siteName: string; waitMs: number; criticalWaitMs: number },
) {
  const wait = plural(Math.round(p.waitMs / DAY), "day");
  const critical = plural(Math.round(p.criticalWaitMs / DAY), "day");
  return (
    <div class="card">
      <h1>Account recovery policy</h1>
      <p>
        How {p.siteName} gives an account back to someone who lost every second factor, without handing it to
        someone who only took over its email address.
      </p>

      <h2>1. Try your own factors first</h2>
      <p>
        A <strong>recovery code</strong> (ten were shown once when you set up two-factor authentication; each
        works once), a <strong>second security key</strong>, or a <strong>passkey</strong> on another device
        all sign you in as usual. The second-step page offers them before it offers recovery.
      </p>

      <h2>2. Start a recovery</h2>
      <p>
        On <a href="/account/recovery">the recovery page</a>, give your username or email address. We email a
        single-use link, valid for 10 minutes, to the account's verified address; the page never says whether
        an account exists. Addresses on a domain the operators marked abandoned get no recovery mail.
      </p>

      <h2>3. Proofs we accept</h2>
      <p>Checked by machine, in the browser that opened the link:</p>
      <ul id="recovery-proofs">
        <li>an API token of the account that is still valid (pasted; only compared, never used);</li>
        <li>this browser completed a sign-in to the account before, or is a remembered browser;</li>
        <li>a session of the account is still open in this browser.</li>
      </ul>
      <p>
        A proof must still stand when the waiting period ends: a token revoked or a session signed out in the
        meantime no longer counts.
      </p>

      <h2>4. The waiting period</h2>
      <p id="recovery-waits">
        Nothing changes for <strong>{wait}</strong>, or <strong>{critical}</strong> when the account maintains
        a critical project. The account's email address and every co-maintainer of its projects are told as
        soon as it starts.
      </p>

      <h2>5. If you did not ask for it: stop it</h2>
      <ul id="recovery-stop">
        <li>signed in, with the red banner's cancel button on every page;</li>
        <li>
          without your password, with the stop link in the recovery email, using a security key, an
          authenticator code or a recovery code;
        </li>
        <li>with one click on the cancel link in the email;</li>
        <li>by revoking the API token or signing out the session that was shown as proof.</li>
      </ul>

      <h2>6. When the wait ends</h2>
      <p>
        Second factors, remembered browsers, sessions and API tokens are removed, the old password stops
        working, and a password-reset link goes to the confirmed address. After signing in, a new second
        factor must be set up before anything else. Co-maintainers are told again.
      </p>

      <h2>7. No proof at all: the operators</h2>
      <p id="recovery-operators">
        A request without any machine proof goes to the registry operators' queue. An operator checks who is
        asking out of band and may approve it — which starts the same waiting period with the same notices, so
        the owner still has {wait} (or {critical}) to object — or deny it, always with a reason recorded in
        the audit log. If your email address no longer works at all, contact the operators of {p.siteName}.
      </p>
      <p class="muted">Every step is recorded in the account's security history.</p>
    </div>
  );
}
