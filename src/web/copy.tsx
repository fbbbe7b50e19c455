/**
 * Copy and Print buttons for secrets and snippets shown once (a new token, recovery codes) and for
 * install lines. The text itself is always on the page and selectable, so without JavaScript the
 * buttons (rendered `hidden`, shown by /static/wharf-copy.js) are simply absent, never dead.
 */
export function CopyButton(p: { target: string; text: string; label: string }) {
  return (
    <button
      type="button"
      class="button secondary small copy-button"
      data-copy={p.target}
      data-copy-text={p.text}
      aria-label={`Copy ${p.label}`}
      hidden
    >
      Copy
    </button>
  );
}

export function CopyScript() {
  return <script src="/static/wharf-copy.js" defer />;
}

/** A one-line secret (`code`) or a multi-line snippet (`pre`) with its Copy button beside it. */
export function Copyable(p: {
  id: string;
  text: string;
  label: string;
  block?: boolean;
  secret?: boolean;
  /** What the button copies when it differs from what is shown (a secret shown in groups of four). */
  copyText?: string;
  /** Extra class of a block's `pre` (e.g. "install"). */
  preClass?: string;
}) {
  return (
    <div class={p.block ? "copyable block" : "copyable"}>
      {p.block ? (
        <pre class={p.preClass ? `copy-text ${p.preClass}` : "copy-text"}>
          <code id={p.id}>{p.text}</code>
        </pre>
      ) : (
        <code id={p.id} class={p.secret ? "secret copy-text" : "copy-text"}>
          {p.text}
        </code>
      )}
      <CopyButton target={p.id} text={p.copyText ?? p.text} label={p.label} />
      <span class="copy-status" role="status" aria-live="polite" />
      <CopyScript />
    </div>
  );
}

/** window.print(), for the recovery codes page (the print stylesheet keeps only the codes). */
export function PrintButton(p: { label: string }) {
  return (
    <button type="button" class="button secondary" data-print="" hidden>
      {p.label}
    </button>
  );
}
