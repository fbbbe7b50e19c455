import { Field, Form, FormError, Submit, TableScroll, Time } from "../components.js";
import type { PageContext } from "../context.js";
import type { FormState } from "./auth.js";

/** One trusted publisher as the pages show it (the route maps the store's record to this). */
export interface PublisherRow {
  id: string;
  provider: "github" | "gitlab";
  /** GitHub owner/repository, or GitLab namespace/project. */
  repository: string;
  /** GitHub workflow file name, or GitLab CI configuration path. */
  workflow: string;
  environment: string | null;
  /** The issuer's host when it is not the provider's public one (self-managed GitLab). */
  host: string | null;
  addedBy: string | null;
  addedAt: number;
  lastUsedAt: number | null;
  /** Whether the repository's (and owner's) immutable ids are pinned yet (after the first use). */
  pinned: boolean;
  /** Pending publishers only: the project it may create. */
  projectName?: string;
  ecosystem?: string;
}

export const PROVIDER_LABELS = { github: "GitHub Actions", gitlab: "GitLab CI/CD" } as const;

/** The forms of the two providers, with the field names the routes read. */
export interface PublisherForms {
  github?: FormState;
  gitlab?: FormState;
}

export function PublisherTable(p: {
  rows: PublisherRow[];
  ctx: PageContext;
  removeAction: string | null;
  pending?: boolean;
}) {
  return (
    <TableScroll label={p.pending ? "Pending publishers" : "Trusted publishers"}>
      <thead>
        <tr>
          {p.pending && <th scope="col">Project</th>}
          <th scope="col">Provider</th>
          <th scope="col">Repository</th>
          <th scope="col">Workflow</th>
          <th scope="col">Environment</th>
          <th scope="col">Added</th>
          {!p.pending && <th scope="col">Last used</th>}
          {p.removeAction && (
            <th scope="col">
              <span class="muted">Action</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {p.rows.map((r) => (
          <tr key={r.id} data-publisher={r.id}>
            {p.pending && (
              <td>
                {r.projectName} <span class="muted">({r.ecosystem === "npm" ? "npm" : "PyPI"})</span>
              </td>
            )}
            <td>
              {PROVIDER_LABELS[r.provider]}
              {r.host && <span class="muted"> ({r.host})</span>}
            </td>
            <td>
              <code>{r.repository}</code>
              {!p.pending && !r.pinned && <span class="muted"> · ids pinned on first use</span>}
            </td>
            <td>
              <code>{r.workflow}</code>
            </td>
            <td>{r.environment ? <code>{r.environment}</code> : <span class="muted">any</span>}</td>
            <td>
              <Time ms={r.addedAt} />
              {r.addedBy && <span class="muted"> by {r.addedBy}</span>}
            </td>
            {!p.pending && (
              <td>{r.lastUsedAt ? <Time ms={r.lastUsedAt} /> : <span class="muted">never</span>}</td>
            )}
            {p.removeAction && (
              <td>
                <Form
                  action={p.removeAction}
                  csrf={p.ctx.csrf}
                  class="inline"
                  label={`Remove the publisher ${r.repository} ${r.workflow}`}
                >
                  <input type="hidden" name="publisher_id" value={r.id} />
                  <Submit kind="danger">Remove</Submit>
                </Form>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </TableScroll>
  );
}

/** The extra fields of a pending publisher: which project, on which ecosystem. */
function ProjectFields(p: { prefix: string; state?: FormState }) {
  const eco = p.state?.values?.ecosystem;
  const error = p.state?.errors?.ecosystem;
  const id = `${p.prefix}ecosystem`;
  return (
    <>
      <div class={error ? "field has-error" : "field"}>
        <label for={id}>Ecosystem</label>
        <select
          id={id}
          name={id}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        >
          <option value="pypi" selected={eco !== "npm"}>
            PyPI (twine)
          </option>
          <option value="npm" selected={eco === "npm"}>
            npm
          </option>
        </select>
        {error && (
          <p class="field-error" id={`${id}-error`} role="alert">
            {error}
          </p>
        )}
      </div>
      <Field
        name={`${p.prefix}project_name`}
        label="Project name"
        value={p.state?.values?.project_name}
        error={p.state?.errors?.project_name}
        hint="A name nobody uses yet. The project is created, with you as its owner, by the workflow's first publish."
        autocomplete="off"
        maxlength={214}
      />
    </>
  );
}

/**
 * Add-a-publisher forms. Field ids carry a prefix per form (two forms on one page must not share ids);
 * the names the routes read are the same for both.
 */
export function AddPublisherForms(p: {
  ctx: PageContext;
  action: (provider: "github" | "gitlab") => string;
  forms: PublisherForms;
  pending?: boolean;
}) {
  return (
    <div class="grid">
      {(["github", "gitlab"] as const).map((provider) => {
        const t = FORM_TEXT[provider];
        const state = p.forms[provider];
        const field = (key: "repository" | "workflow" | "environment") => (
          <Field
            name={`${t.prefix}${key}`}
            label={t[key].label}
            value={state?.values?.[key]}
            error={state?.errors?.[key]}
            hint={t[key].hint}
            autocomplete="off"
            required={key !== "environment"}
            maxlength={t[key].maxlength}
          />
        );
        return (
          <div class="card" id={`add-${provider}`}>
            <h3>{t.title}</h3>
            <Form action={p.action(provider)} csrf={p.ctx.csrf} label={t.title}>
              <FormError message={state?.error} />
              {p.pending && <ProjectFields prefix={t.prefix} state={state} />}
              {field("repository")}
              {field("workflow")}
              {field("environment")}
              <Submit>{t.submit}</Submit>
            </Form>
          </div>
        );
      })}
    </div>
  );
}

/** What each provider's add form asks, in its own words (the routes read the same names for both). */
const FORM_TEXT = {
  github: {
    prefix: "gh_",
    title: "Add a GitHub Actions publisher",
    submit: "Add GitHub publisher",
    repository: {
      label: "Repository",
      hint: "owner/repository, as in https://github.com/owner/repository",
      maxlength: 140,
    },
    workflow: {
      label: "Workflow file",
      hint: "The file name under .github/workflows/, e.g. release.yml",
      maxlength: 255,
    },
    environment: {
      label: "Environment (optional)",
      hint: "Only jobs in this GitHub environment may publish. Recommended: an environment with required reviewers.",
      maxlength: 255,
    },
  },
  gitlab: {
    prefix: "gl_",
    title: "Add a GitLab CI/CD publisher",
    submit: "Add GitLab publisher",
    repository: {
      label: "Project",
      hint: "namespace/project (or group/subgroup/project), as in https://gitlab.com/namespace/project",
      maxlength: 255,
    },
    workflow: {
      label: "CI configuration file",
      hint: "The pipeline file's path in the project, e.g. .gitlab-ci.yml",
      maxlength: 255,
    },
    environment: {
      label: "Environment (optional)",
      hint: "Only jobs deploying to this GitLab environment may publish.",
      maxlength: 255,
    },
  },
} as const;

/** Why ids are pinned, said once wherever publishers are managed. */
export function PinningHelp() {
  return (
    <p class="hint">
      A trusted publisher lets a CI workflow publish without any stored secret: the job proves who it is with
      a short-lived OpenID Connect token from its provider, and gets a token that lives 15 minutes and can
      only upload to this project. Names are checked on every publish, and the repository's and its owner's
      numeric ids are pinned the first time the publisher is used: a repository deleted and created again
      under the same name (by anyone) cannot publish.
    </p>
  );
}
