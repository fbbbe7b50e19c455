import type { ApiToken } from "../../tokens/index.js";
import { Field, Form, FormError, Submit, TableScroll, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { Copyable } from "../copy.js";
import { projectNamedBy } from "../hrefs.js";
import type { FormState } from "./auth.js";

export interface TokenFormState extends FormState {
  scope?: "account" | "projects";
  projects?: string[];
}

export interface TokensPageState {
  tokens: ApiToken[];
  projects: Array<{ projectId: string; name: string; ecosystem: string; role: string }>;
  now: number;
  origin: string;
  form?: TokenFormState;
  /** `?project=<ecosystem>/<name>`: the page was opened from that project, which is pre-ticked. */
  from?: string;
  /** The secret of a token created by this very request: rendered once, never stored or redirected. */
  created?: { name: string; token: string };
}

export function tokenStatus(t: ApiToken, now: number): "active" | "expired" | "revoked" {
  if (t.revokedAt !== null) return "revoked";
  if (t.expiresAt !== null && t.expiresAt <= now) return "expired";
  return "active";
}

/** Client set-up for a new token: files and environment variables, never the token on a command line. */
export function clientSnippets(origin: string, token: string) {
  const host = new URL(origin).host;
  return {
    pypirc: `[distutils]\nindex-servers = wharf\n\n[wharf]\nrepository = ${origin}/legacy/\nusername = __token__\npassword = ${token}\n`,
    env: `TWINE_REPOSITORY_URL=${origin}/legacy/\nTWINE_USERNAME=__token__\nTWINE_PASSWORD=${token}\n`,
    // npm keys credentials by registry URL without its scheme; the registry lives under /npm/.
    npmrc: `registry=${origin}/npm/\n//${host}/npm/:_authToken=${token}\n`,
  };
}

function NewToken(p: { name: string; token: string; origin: string }) {
  const snippets = clientSnippets(p.origin, p.token);
  return (
    <section class="card created-token" aria-labelledby="new-token-h">
      <h2 id="new-token-h">Your new token “{p.name}”</h2>
      <p role="status" class="alert success">
        Copy this token now. It is shown only once: we keep only a hash of it, so nobody can show it to you
        again.
      </p>
      <Copyable id="new-token" text={p.token} label="the token" secret />
      <p class="hint">
        Treat it like a password: keep it in a file only you can read or in your CI's secret store, not on a
        command line (shell history and process lists keep those).
      </p>
      <h3>twine: ~/.pypirc</h3>
      <Copyable id="snippet-pypirc" text={snippets.pypirc} label="the .pypirc lines" block />
      <p class="hint">
        Then run <code>twine upload -r wharf dist/*</code>.
      </p>
      <h3>twine in CI: environment variables</h3>
      <Copyable id="snippet-twine-env" text={snippets.env} label="the twine environment variables" block />
      <p class="hint">
        Store them as secrets of your CI job, then run <code>twine upload dist/*</code>.
      </p>
      <h3>npm: .npmrc</h3>
      <Copyable id="snippet-npmrc" text={snippets.npmrc} label="the .npmrc lines" block />
      <p class="hint">
        In <code>~/.npmrc</code> or the project's <code>.npmrc</code> (keep it out of version control), then
        run <code>npm publish</code>.
      </p>
    </section>
  );
}

function TokenTable(p: { ctx: PageContext; tokens: ApiToken[]; now: number }) {
  if (p.tokens.length === 0) return <p class="muted">You have no API tokens yet.</p>;
  return (
    <TableScroll label="API tokens">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Token</th>
          <th scope="col">Scope</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">Expires</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span class="muted">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {p.tokens.map((t) => {
          const status = tokenStatus(t, p.now);
          return (
            <tr key={t.id} data-token={t.id}>
              <td>
                {t.name} {t.issuedBy === "admin" && <span class="badge warn">admin-issued</span>}
              </td>
              <td>
                <code>{t.displayPrefix}…</code>
              </td>
              <td>{t.scope.kind === "account" ? "Entire account" : t.projectNames.join(", ")}</td>
              <td>
                <Time ms={t.createdAt} />
              </td>
              <td>{t.lastUsedAt === null ? "Never" : <Time ms={t.lastUsedAt} />}</td>
              <td>{t.expiresAt === null ? "Never" : <Time ms={t.expiresAt} />}</td>
              <td>
                <span class={status === "active" ? "badge ok" : "badge"}>{status}</span>
              </td>
              <td>
                {status === "active" && (
                  <Form
                    action={`/account/tokens/${encodeURIComponent(t.id)}/revoke`}
                    csrf={p.ctx.csrf}
                    class="inline"
                    label={`Revoke token ${t.name}`}
                  >
                    <Submit kind="danger">Revoke</Submit>
                  </Form>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </TableScroll>
  );
}

function CreateForm(p: { ctx: PageContext; s: TokensPageState }) {
  const f = p.s.form ?? {};
  // Defaults a first submit can succeed with: the whole account, or the project the page came from.
  const fromProject = projectNamedBy(p.s.projects, p.s.from);
  const scope = f.scope ?? (fromProject ? "projects" : "account");
  const chosen = new Set(f.projects ?? (fromProject ? [fromProject.projectId] : []));
  const scopeError = f.errors?.projects ?? f.errors?.scope;
  const none = p.s.projects.length === 0;
  const action = p.s.from ? `/account/tokens?project=${encodeURIComponent(p.s.from)}` : "/account/tokens";
  return (
    <Form action={action} csrf={p.ctx.csrf} label="Create an API token">
      <FormError message={f.error} />
      <Field
        name="name"
        label="Token name"
        value={f.values?.name}
        error={f.errors?.name}
        hint="What the token is for, e.g. “CI for my-project”."
        maxlength={100}
      />
      <fieldset
        class={scopeError ? "field has-error" : "field"}
        aria-describedby={scopeError ? "projects-error" : undefined}
      >
        <legend>Scope</legend>
        <div class="choice">
          <input type="radio" id="scope-account" name="scope" value="account" checked={scope === "account"} />
          <label for="scope-account">Entire account (all projects, including new ones)</label>
        </div>
        <div class="choice">
          <input
            type="radio"
            id="scope-projects"
            name="scope"
            value="projects"
            checked={scope === "projects"}
            disabled={none}
            aria-describedby={none ? "scope-projects-hint" : undefined}
          />
          <label for="scope-projects">Only these projects</label>
        </div>
        {none ? (
          <p class="hint" id="scope-projects-hint">
            You have no project yet, so there is none to choose: a token for the entire account uploads your
            first one. Once it exists, create a token for just that project and revoke this one.
          </p>
        ) : (
          <ul class="checklist" aria-label="Projects">
            {p.s.projects.map((proj) => (
              <li key={proj.projectId} class="choice">
                <input
                  type="checkbox"
                  id={`project-${proj.projectId}`}
                  name="projects"
                  value={proj.projectId}
                  checked={chosen.has(proj.projectId)}
                />
                <label for={`project-${proj.projectId}`}>
                  {proj.name} <span class="muted">({proj.ecosystem})</span>
                </label>
              </li>
            ))}
          </ul>
        )}
        {scopeError && (
          <p class="field-error" id="projects-error" role="alert">
            {scopeError}
          </p>
        )}
      </fieldset>
      <Field
        name="expires"
        label="Expires after (days, optional)"
        type="number"
        value={f.values?.expires}
        error={f.errors?.expires}
        hint="1 to 3650. Leave empty for a token that never expires."
        required={false}
      />
      <p class="hint">Creating a token asks for your password again if you have not confirmed it recently.</p>
      <Submit>Create token</Submit>
    </Form>
  );
}

export function TokensPage(ctx: PageContext, s: TokensPageState) {
  return (
    <>
      <h1>API tokens</h1>
      <p>
        twine and npm publish with an API token instead of your password. Scope each token to the projects it
        needs and revoke tokens you no longer use.
      </p>
      {s.created && <NewToken name={s.created.name} token={s.created.token} origin={s.origin} />}
      <section aria-labelledby="tokens-h">
        <h2 id="tokens-h">Your tokens</h2>
        <TokenTable ctx={ctx} tokens={s.tokens} now={s.now} />
      </section>
      <section class="card" aria-labelledby="create-h" id="create">
        <h2 id="create-h">Create a token</h2>
        <CreateForm ctx={ctx} s={s} />
      </section>
    </>
  );
}
