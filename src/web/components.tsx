import type { ComponentChildren } from "preact";

/** Form building blocks. Every state-changing form carries the CSRF token; errors sit beside fields. */
export function Form(props: {
  action: string;
  csrf: string;
  children: ComponentChildren;
  class?: string;
  label?: string;
}) {
  return (
    <form
      method="post"
      action={props.action}
      class={props.class ?? "form"}
      aria-label={props.label}
      novalidate
    >
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.children}
    </form>
  );
}

export interface FieldProps {
  name: string;
  label: string;
  type?: string;
  value?: string;
  error?: string;
  hint?: string;
  autocomplete?: string;
  required?: boolean;
  autofocus?: boolean;
  maxlength?: number;
}

export function Field(p: FieldProps) {
  const describedBy = [p.hint ? `${p.name}-hint` : "", p.error ? `${p.name}-error` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div class={p.error ? "field has-error" : "field"}>
      <label for={p.name}>{p.label}</label>
      {p.hint && (
        <p class="hint" id={`${p.name}-hint`}>
          {p.hint}
        </p>
      )}
      <input
        id={p.name}
        name={p.name}
        type={(p.type ?? "text") as "text"}
        value={p.type === "password" ? undefined : p.value}
        autocomplete={p.autocomplete}
        required={p.required ?? true}
        autofocus={p.autofocus}
        maxlength={p.maxlength}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
      />
      {p.error && (
        <p class="field-error" id={`${p.name}-error`} role="alert">
          {p.error}
        </p>
      )}
    </div>
  );
}

export function Submit(props: { children: ComponentChildren; kind?: "primary" | "danger" | "secondary" }) {
  return (
    <button type="submit" class={`button ${props.kind ?? "primary"}`}>
      {props.children}
    </button>
  );
}

/** An error that belongs to no single field (expired link, rate limit). */
export function FormError(props: { message?: string }) {
  if (!props.message) return null;
  return (
    <div class="alert error" role="alert">
      {props.message}
    </div>
  );
}

export function Time(props: { ms: number }) {
  const iso = new Date(props.ms).toISOString();
  return <time datetime={iso}>{iso.slice(0, 16).replace("T", " ")} UTC</time>;
}

/**
 * Previous/next links of a paged list (lib/paging.ts: pageLinks for offset pages, cursors for keyset
 * pages). Past an offset cap there is no next link, only a note asking to narrow the search.
 */
export function Pager(props: { prevHref?: string; nextHref?: string; current?: string; note?: string }) {
  if (!props.prevHref && !props.nextHref && !props.note) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {props.prevHref && (
        <a rel="prev" href={props.prevHref}>
          ← Previous
        </a>
      )}{" "}
      {props.current && <span class="muted">{props.current}</span>}{" "}
      {props.nextHref && (
        <a rel="next" href={props.nextHref}>
          Next →
        </a>
      )}
      {props.note && <span class="muted"> {props.note}</span>}
    </nav>
  );
}

/**
 * Every table of the site, inside its scroll box (a `<section>` with a name is a region landmark): on a narrow screen the table scrolls sideways in the
 * box, never the page. Keyboard users reach the box (tabindex) and screen readers hear its name (a
 * labelled region); the edge shadows (styles/components.ts) show there is more to the side. Used in
 * place of `<table>`, so wrapping a page's table changes two lines of it.
 */
export function TableScroll(props: {
  label: string;
  id?: string;
  class?: string;
  "data-table"?: string;
  children: ComponentChildren;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1, axe scrollable-region-focusable)
    <section class="table-scroll" aria-label={props.label} tabindex={0}>
      <table id={props.id} class={props.class} data-table={props["data-table"]}>
        {props.children}
      </table>
    </section>
  );
}
