import type { ComponentChildren } from "preact";
import { Form, FormError, type PageContext, Submit } from "../../web/index.js";

/** A user's console page (usernames are URL-safe today; encoded anyway, as links must not rely on it). */
export const userPath = (username: string) => `/admin/users/${encodeURIComponent(username)}`;

/** What a failed action re-renders with: the values typed, errors beside fields or above the form. */
export interface ActionState {
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

/**
 * The reason every admin action must give. Several action forms share one page, so each reason input
 * gets an id of its own (the web Field component uses the name as id, which would repeat).
 */
export function ReasonField(p: { form: string; state?: ActionState }) {
  const id = `${p.form}-reason`;
  const error = p.state?.errors?.reason;
  return (
    <div class={error ? "field has-error" : "field"}>
      <label for={id}>Reason</label>
      <p class="hint" id={`${id}-hint`}>
        3 to 500 characters. It goes into the audit log.
      </p>
      <input
        id={id}
        name="reason"
        type="text"
        value={p.state?.values?.reason}
        required
        maxlength={500}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}
      />
      {error && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** One admin action as a card: what it does, its own fields, the reason, the button. */
export function ActionCard(p: {
  ctx: PageContext;
  id: string;
  title: string;
  action: string;
  button: string;
  kind?: "primary" | "danger" | "secondary";
  state?: ActionState;
  children?: ComponentChildren;
}) {
  return (
    <section class="card" id={p.id} aria-labelledby={`${p.id}-h`}>
      <h2 id={`${p.id}-h`}>{p.title}</h2>
      <Form action={p.action} csrf={p.ctx.csrf} label={p.title}>
        <FormError message={p.state?.error} />
        {p.children}
        <ReasonField form={p.id} state={p.state} />
        <Submit kind={p.kind ?? "primary"}>{p.button}</Submit>
      </Form>
    </section>
  );
}

/** A GET form of filters above a table (search boxes, selects); no CSRF: it changes nothing. */
export function FilterForm(p: { action: string; label: string; children: ComponentChildren }) {
  return (
    <form method="get" action={p.action} class="filters" aria-label={p.label}>
      {p.children}
      <button type="submit" class="button secondary">
        Show
      </button>
    </form>
  );
}

/** A labelled text input inside a filter form; an error sits under it, tied to it for screen readers. */
export function FilterInput(p: {
  name: string;
  label: string;
  value: string;
  type?: string;
  list?: string;
  error?: string;
}) {
  const id = `filter-${p.name}`;
  return (
    <div class={p.error ? "field has-error" : undefined}>
      <label for={id}>{p.label}</label>
      <input
        id={id}
        name={p.name}
        type={(p.type ?? "text") as "text"}
        value={p.value}
        maxlength={254}
        list={p.list}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={p.error ? `${id}-error` : undefined}
      />
      {p.error && (
        <p class="field-error" id={`${id}-error`}>
          {p.error}
        </p>
      )}
    </div>
  );
}
