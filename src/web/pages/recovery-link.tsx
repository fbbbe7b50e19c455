import type { RecoveryLinkView } from "../../recovery/index.js";
import { Form, FormError, Submit, Time } from "../components.js";
import type { PageContext } from "../context.js";

/** "Start again": a new link for the same account, the way the password-reset pages offer one. */
function StartAgain(p: { username?: string; primary?: boolean }) {
  const href = p.username ? `/account/recovery?login=${encodeURIComponent(p.username)}` : "/account/recovery";
  return (
    <a href={href} class={`button ${p.primary ? "primary" : "secondary"}`} id="recovery-start-again">
      Start again
    </a>
  );
}

const why: Record<"used" | "expired" | "invalid", string> = {
  used: "This recovery link has already been used, or a newer one replaced it. Links work once.",
  expired: "This recovery link has expired: links work for 10 minutes.",
  invalid: "This recovery link is not valid. Check that the whole address was copied from the email.",
};

/**
 * What a recovery confirmation link opens (GET, also a mail app's preview: nothing is spent here).
 * Every state that cannot continue offers "Start again" instead of a dead end (issue 14 item 9).
 */
export function RecoveryLinkPage(
  ctx: PageContext,
  s: { token: string; view: RecoveryLinkView; heldHere: boolean; error?: string },
) {
  const v = s.view;
  return (
    <div class="card narrow" id="recovery-link" data-link-state={v.kind}>
      {v.kind === "invalid" ? <h1>Recover your account</h1> : <h1>Recover {v.username}</h1>}
      <FormError message={s.error} />
      {v.kind === "fresh" && (
        <>
          <p>You confirmed control of the account's email address. Next, show what this browser can prove.</p>
          <p class="hint">
            Started on another device, such as a computer you signed in on before? Open this link there
            instead: proofs are checked in the browser that continues. You can still move it there within 30
            minutes.
          </p>
          <Form action="/account/recovery/confirm" csrf={ctx.csrf} label="Continue account recovery">
            <input type="hidden" name="token" value={s.token} />
            <Submit>Continue in this browser</Submit>
          </Form>
        </>
      )}
      {v.kind === "movable" &&
        (s.heldHere ? (
          <>
            <p>You already continued this recovery in this browser.</p>
            <p class="link-actions">
              <a href="/account/recovery/proofs" class="button primary">
                Go to your recovery
              </a>
            </p>
          </>
        ) : (
          <>
            <p>
              This link was used in another browser at <Time ms={v.usedAt} />. You can continue here instead
              until <Time ms={v.movableUntil} />; the other browser will then no longer be able to finish it.
            </p>
            <Form
              action="/account/recovery/move"
              csrf={ctx.csrf}
              label="Continue the recovery in this browser"
            >
              <input type="hidden" name="token" value={s.token} />
              <Submit>Continue in this browser</Submit>
            </Form>
            <p class="link-actions">
              <StartAgain username={v.username} />
            </p>
          </>
        ))}
      {(v.kind === "used" || v.kind === "expired" || v.kind === "invalid") && (
        <>
          {!s.error && (
            <p role="alert" id="recovery-link-problem">
              {why[v.kind]}
            </p>
          )}
          <p class="link-actions">
            <StartAgain username={v.kind === "invalid" ? undefined : v.username} primary />
          </p>
        </>
      )}
      <p class="muted">
        <a href="/help/account-recovery">How account recovery works</a>
      </p>
    </div>
  );
}

/** A recovery page opened in a browser that holds no request (or one moved elsewhere). */
export function NoRecoveryHerePage(_ctx: PageContext, s: { message: string }) {
  return (
    <div class="card narrow" id="recovery-link" data-link-state="none">
      <h1>Recover your account</h1>
      <p role="alert">{s.message}</p>
      <p class="link-actions">
        <StartAgain primary />
      </p>
    </div>
  );
}
