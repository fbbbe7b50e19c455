import type { StagedRelease } from "../../staging/index.js";
import { Form, FormError, Time } from "../components.js";
import type { PageContext } from "../context.js";

export interface StagedPageState {
  staged: StagedRelease;
  projectHref: string;
  /** The viewer maintains the project and the release still waits: approve and reject are offered. */
  canDecide: boolean;
  hasTotp: boolean;
  origin: string;
  error?: string;
  codeError?: string;
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
 * takes a second factor given on this very form; a signed-in session or its sudo window is not one.
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
        <Form action={`/staged/${r.id}`} csrf={ctx.csrf} label="Approve or reject">
          <FormError message={s.error} />
          {r.phishingResistant ? (
            <p class="hint">This release must be approved with a security key or passkey.</p>
          ) : null}
          <div class={s.codeError ? "field has-error" : "field"}>
            <label for="code">
              {s.hasTotp ? "Code from your authenticator app, or a recovery code" : "A recovery code"}
            </label>
            <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" required />
            {s.codeError && (
              <p class="field-error" id="code-error" role="alert">
                {s.codeError}
              </p>
            )}
          </div>
          <div class="actions">
            <button type="submit" name="intent" value="approve" class="button primary">
              Approve and publish
            </button>
            <button type="submit" name="intent" value="reject" class="button danger">
              Reject
            </button>
          </div>
        </Form>
      )}
    </div>
  );
}
