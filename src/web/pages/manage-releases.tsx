import type { Release } from "../../packages/index.js";
import { Form, FormError, Submit, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { humanSize } from "../format.js";
import type { FormState } from "./auth.js";

/** Which release or file form a failed POST belongs to, so its error is shown beside the right field. */
export interface ReleaseFormState {
  release?: { version: string; form: "yank" | "delete"; state: FormState };
  file?: { fileId: string; state: FormState };
}

/**
 * A labelled input whose id differs from its name: the releases section repeats the same forms once
 * per release and file, and ids must stay unique for labels and error descriptions to work.
 */
export function InlineField(p: {
  id: string;
  name: string;
  label: string;
  error?: string;
  hint?: string;
  value?: string;
  maxlength?: number;
}) {
  const describedBy = [p.hint ? `${p.id}-hint` : "", p.error ? `${p.id}-error` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div class={p.error ? "field has-error" : "field"}>
      <label for={p.id}>{p.label}</label>
      {p.hint && (
        <p class="hint" id={`${p.id}-hint`}>
          {p.hint}
        </p>
      )}
      <input
        id={p.id}
        name={p.name}
        type="text"
        value={p.value}
        maxlength={p.maxlength}
        autocomplete="off"
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
      />
      {p.error && (
        <p class="field-error" id={`${p.id}-error`} role="alert">
          {p.error}
        </p>
      )}
    </div>
  );
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_");

function ReleaseCard(p: { ctx: PageContext; base: string; release: Release; forms: ReleaseFormState }) {
  const r = p.release;
  const action = `${p.base}release/${encodeURIComponent(r.version)}`;
  const mine = p.forms.release?.version === r.version ? p.forms.release : undefined;
  const yankState = mine?.form === "yank" ? mine.state : undefined;
  const deleteState = mine?.form === "delete" ? mine.state : undefined;
  const fileErrorHere = r.files.some((f) => f.id === p.forms.file?.fileId);
  const id = slug(r.version);
  return (
    <li class="card release" id={`release-${id}`} data-version={r.version}>
      <h3>
        {r.version}{" "}
        {r.yankedAt !== null ? (
          <span class="badge warn">yanked</span>
        ) : (
          <span class="badge ok">available</span>
        )}
      </h3>
      <p class="muted">
        Published <Time ms={r.createdAt} />
        {r.yankedAt !== null && r.yankedReason && <> · Yank reason: {r.yankedReason}</>}
      </p>
      {r.yankedAt === null ? (
        <Form action={`${action}/yank`} csrf={p.ctx.csrf} label={`Yank ${r.version}`}>
          <FormError message={yankState?.error} />
          <InlineField
            id={`reason-${id}`}
            name="reason"
            label="Reason for yanking (optional, shown by pip)"
            value={yankState?.values?.reason}
            error={yankState?.errors?.reason}
            maxlength={500}
          />
          <Submit kind="secondary">Yank {r.version}</Submit>
        </Form>
      ) : (
        <Form action={`${action}/unyank`} csrf={p.ctx.csrf} label={`Un-yank ${r.version}`}>
          <Submit kind="secondary">Un-yank {r.version}</Submit>
        </Form>
      )}
      <details open={Boolean(deleteState) || fileErrorHere}>
        <summary>Delete this release or its files</summary>
        <p>
          Deleting is permanent and the file names can never be uploaded again. Prefer yanking: it keeps
          pinned installs working.
        </p>
        <Form action={`${action}/delete`} csrf={p.ctx.csrf} label={`Delete release ${r.version}`}>
          <FormError message={deleteState?.error} />
          <InlineField
            id={`confirm-release-${id}`}
            name="confirm"
            label={`Type the version “${r.version}” to confirm`}
            error={deleteState?.errors?.confirm}
          />
          <Submit kind="danger">Delete release {r.version}</Submit>
        </Form>
        {r.files.length > 0 && (
          <ul class="plain files">
            {r.files.map((f) => {
              const state = p.forms.file?.fileId === f.id ? p.forms.file.state : undefined;
              return (
                <li key={f.id}>
                  <Form
                    action={`${p.base}file/${encodeURIComponent(f.id)}/delete`}
                    csrf={p.ctx.csrf}
                    label={`Delete file ${f.filename}`}
                  >
                    <FormError message={state?.error} />
                    <p>
                      <code>{f.filename}</code> <span class="muted">({humanSize(f.size)})</span>
                    </p>
                    <InlineField
                      id={`confirm-file-${slug(f.id)}`}
                      name="confirm"
                      label="Type the file name to confirm"
                      error={state?.errors?.confirm}
                    />
                    <Submit kind="danger">Delete file</Submit>
                  </Form>
                </li>
              );
            })}
          </ul>
        )}
      </details>
    </li>
  );
}

export function ReleasesSection(p: {
  ctx: PageContext;
  base: string;
  releases: Release[];
  canManage: boolean;
  forms: ReleaseFormState;
}) {
  const newestFirst = [...p.releases].reverse();
  return (
    <section aria-labelledby="releases-h" id="releases">
      <h2 id="releases-h">Releases</h2>
      {newestFirst.length === 0 ? (
        <p class="muted">No releases.</p>
      ) : p.canManage ? (
        <ol class="plain">
          {newestFirst.map((r) => (
            <ReleaseCard key={r.id} ctx={p.ctx} base={p.base} release={r} forms={p.forms} />
          ))}
        </ol>
      ) : (
        <ul>
          {newestFirst.map((r) => (
            <li key={r.id}>
              {r.version} <Time ms={r.createdAt} />{" "}
              {r.yankedAt !== null && <span class="badge warn">yanked</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
