import type { StagedRelease } from "../../staging/index.js";
import { Form, FormError, TableScroll, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { WebAuthnNotes } from "../webauthn-ui.js";

export interface StagedPageState {
  staged: StagedRelease;
  projectHref: string;
  /** The viewer maintains the project and the release still waits: approve and reject are offered. */
  canDecide: boolean;
  hasTotp: boolean;
  /** The viewer has a security key or passkey: it is offered first. */
  hasKey: boolean;
  /** Only a security key or passkey approves (the rule it was staged under, or the rule now). */
  keyRequired: boolean;
  origin: string;
  error?: string;
  codeError?: string;
  /** The key's answer was refused (shown beside the key buttons). */
  keyError?: string;
}

const STATE_TEXT: Record<string, string> = {
  staged: "waiting for approval",
  approved: "approved and published",
  rejected: "rejected: its files were removed",
  expired: "expired: its files were removed",
};

export const TOKEN_PLACEHOLDER = "YOUR-API-TOKEN";

/**
 * The pip command that installs a staged release from its preview index (protocols/pypi/preview.ts):
 * pip sends the URL's credentials as HTTP Basic, to the whole host, files included.
 */
export function previewCommand(origin: string, r: StagedRelease): string {
  const u = new URL(origin);
  const index = `${u.protocol}//__token__:${TOKEN_PLACEHOLDER}@${u.host}/preview/${r.id}/simple/`;
  return `pip install --index-url ${index} --extra-index-url ${origin}/simple/ ${r.normalizedName}==${r.version}`;
}

/**
 * A staged release (issue 16 item 5): what a machine uploaded, and the maintainer's decision. Approval
 * takes a second factor given on this very page; a signed-in session or its sudo window is not one.
 * The key comes first (phishing-resistant; the only way when the release requires it), a code second.
 */
export function StagedPage(ctx: PageContext, s: StagedPageState) {
  const r = s.staged;
  return (
    <div class="card">
      <h1>
        {r.projectName} {r.version}: staged release
      </h1>
      <p id="staged-state">
        This release is <strong>{STATE_TEXT[r.state] ?? r.state}</strong>. It was staged by {r.actorName} (
        {r.actorType === "session"
          ? "signed in"
          : r.actorType === "token"
            ? "API token"
            : "trusted publisher"}
        ) on <Time ms={r.createdAt} />
        {r.state === "staged" && (
          <>
            {" "}
            and expires on <Time ms={r.expiresAt} />
          </>
        )}
        . <a href={s.projectHref}>Project page</a>
      </p>
      {r.files.length > 0 && (
        <table class="table" id="staged-files">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {r.files.map((f) => (
              <tr key={f.id}>
                <td>{f.filename}</td>
                <td>{f.size}</td>
                <td>
                  <code>{f.sha256}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.ecosystem === "pypi" && r.state === "staged" && s.canDecide && (
        <p class="hint" id="preview-command">
          Test it before approving: <code>{previewCommand(s.origin, r)}</code> with{" "}
          <code>{TOKEN_PLACEHOLDER}</code> replaced by one of your API tokens (a read-only one will do). The
          preview index answers only this project's maintainers; the extra index lets pip find the
          dependencies.
        </p>
      )}
      {s.canDecide && (
        <>
          <FormError message={s.error} />
          {s.keyRequired && (
            <div class="alert info" role="note" id="staged-key-required">
              This project requires a <strong>security key or passkey</strong> to approve its staged releases:
              a code from an authenticator app or a recovery code can only reject it.
            </div>
          )}
          <KeyDecision ctx={ctx} s={s} />
          <CodeDecision ctx={ctx} s={s} />
        </>
      )}
    </div>
  );
}

/** Approve or reject with a key: the script fetches a challenge for this release and decision. */
function KeyDecision({ ctx, s }: { ctx: PageContext; s: StagedPageState }) {
  const r = s.staged;
  return (
    <section aria-labelledby="key-h" class="factor">
      <h2 id="key-h">Security key or passkey</h2>
      {s.hasKey ? (
        <form
          method="post"
          action={`/staged/${r.id}`}
          id="webauthn-approve"
          class="webauthn-block"
          data-csrf={ctx.csrf}
          data-options={`/staged/${r.id}/key/options`}
          aria-label="Decide with your security key"
        >
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <input type="hidden" name="intent" value="" />
          <input type="hidden" name="challenge_id" value="" />
          <input type="hidden" name="response" value="" />
          <div class="form-actions">
            <button type="submit" name="intent_key" value="approve" class="button primary" disabled>
              Approve with security key
            </button>
            <button type="submit" name="intent_key" value="reject" class="button danger" disabled>
              Reject with security key
            </button>
          </div>
          {s.keyError ? (
            <p class="field-error" id="webauthn-status" role="alert">
              {s.keyError}
            </p>
          ) : (
            <p class="hint" id="webauthn-status" role="status" aria-live="polite" />
          )}
          <WebAuthnNotes context="approval" />
          <script src="/static/wharf-webauthn.js" defer />
        </form>
      ) : (
        <p class="hint" id="staged-no-key">
          You have no security key or passkey. <a href="/account/two-factor/keys">Add one</a>
          {s.keyRequired ? ": this release can only be approved with one." : " to approve with a touch."}
        </p>
      )}
    </section>
  );
}

/** Approve or reject with a code (TOTP or recovery code), checked and spent for this request. */
function CodeDecision({ ctx, s }: { ctx: PageContext; s: StagedPageState }) {
  const r = s.staged;
  return (
    <section aria-labelledby="code-h" class="factor">
      <h2 id="code-h">{s.hasKey ? "Or use a code" : "Use a code"}</h2>
      <Form action={`/staged/${r.id}`} csrf={ctx.csrf} label="Decide with a code">
        <div class={s.codeError ? "field has-error" : "field"}>
          <label for="code">
            {s.hasTotp ? "Code from your authenticator app, or a recovery code" : "A recovery code"}
          </label>
          <input
            id="code"
            name="code"
            autocomplete="one-time-code"
            inputmode="numeric"
            required
            aria-invalid={s.codeError ? "true" : undefined}
            aria-describedby={s.codeError ? "code-error" : undefined}
          />
          {s.codeError && (
            <p class="field-error" id="code-error" role="alert">
              {s.codeError}
            </p>
          )}
        </div>
        <div class="form-actions">
          <button type="submit" name="intent" value="approve" class="button secondary">
            Approve with code
          </button>
          <button type="submit" name="intent" value="reject" class="button danger">
            Reject with code
          </button>
        </div>
      </Form>
    </section>
  );
}

/** A project's pending staged releases, as its page lists them (web/routes/staged.ts pendingForViewer). */
export interface PendingList {
  items: StagedRelease[];
  total: number;
  /** The project's staging rule now wants a key for every approval. */
  keyRequired: boolean;
}

const ACTOR_TEXT: Record<string, string> = {
  session: "signed in",
  token: "API token",
  "trusted-publisher": "trusted publisher",
};

/**
 * The pending staged releases on a project's page, for its maintainers only (the route asks decide()
 * first): what waits, who or what staged it, until when, and the link to decide.
 */
export function PendingStaged(p: { pending: PendingList | null }) {
  if (!p.pending) return null;
  const { items, total, keyRequired } = p.pending;
  return (
    <section aria-labelledby="staged-h" id="staged-pending">
      <h2 id="staged-h">
        {total === 1 ? "1 release waits for approval" : `${total} releases wait for approval`}
      </h2>
      <p class="hint">
        Only maintainers see this: installers cannot see these versions until one of you approves.
      </p>
      <TableScroll label="Releases waiting for approval">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Files</th>
            <th scope="col">Staged by</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id} data-staged={r.id}>
              <td>
                <a href={`/staged/${r.id}`}>{r.version}</a>
                {(keyRequired || r.phishingResistant) && (
                  <small class="muted"> (security key required)</small>
                )}
              </td>
              <td>{r.files.length}</td>
              <td>
                {r.actorName} ({ACTOR_TEXT[r.actorType] ?? r.actorType})
              </td>
              <td>
                <Time ms={r.expiresAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </TableScroll>
      {total > items.length && (
        <p class="hint">And {total - items.length} more: each owner was mailed a link to every one.</p>
      )}
    </section>
  );
}
