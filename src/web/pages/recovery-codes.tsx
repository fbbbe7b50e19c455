import { Field, Form, FormError, Submit, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { CopyButton, CopyScript, PrintButton } from "../copy.js";
import type { FormState } from "./auth.js";

export interface RecoveryCodesState extends FormState {
  codes: string[];
  /** The same codes, sealed for this user (mfa/recovery-confirm.ts), so a typo can show them again. */
  sealed: string;
  siteName: string;
  username: string;
  generatedAt: number;
}

/**
 * The one page that shows a new set of recovery codes: Copy, Download (.txt from a data: URL, so the
 * codes never travel in a second response) and Print (the print stylesheet keeps the codes and who
 * they belong to), then one code typed back, as PyPI asks, before the user moves on.
 */
export function RecoveryCodesPage(ctx: PageContext, s: RecoveryCodesState) {
  const list = s.codes.join("\n");
  const text = `${s.siteName} recovery codes for ${s.username}\nEach code works once. Keep them somewhere safe and offline.\n\n${list}\n`;
  return (
    <div class="card narrow recovery-codes-page">
      <h1>Save your recovery codes</h1>
      <p class="print-only">
        {s.siteName} recovery codes for <strong>{s.username}</strong>, generated <Time ms={s.generatedAt} />.
        Each works once.
      </p>
      <p class="no-print">
        <strong>This is the only time they are shown.</strong> If you lose your second factor, each code signs
        you in once in its place. Keep them in a password manager, or print them and keep the paper safe.
      </p>
      <ul class="codes" id="recovery-codes">
        {s.codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <div class="copy-actions no-print">
        <CopyButton target="recovery-codes" text={list} label="the recovery codes" />
        <a
          class="button secondary"
          id="download-codes"
          download={`${s.siteName.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-recovery-codes.txt`}
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
        >
          Download .txt
        </a>
        <PrintButton label="Print" />
        <span class="copy-status" role="status" aria-live="polite" />
        <CopyScript />
      </div>
      <h2>Confirm you saved them</h2>
      <Form
        action="/account/two-factor/recovery-codes/confirm"
        csrf={ctx.csrf}
        label="Confirm your recovery codes"
      >
        <FormError message={s.error} />
        <input type="hidden" name="sealed" value={s.sealed} />
        <Field
          name="saved_code"
          label="Type any one of the codes from your saved copy"
          autocomplete="off"
          value={s.values?.saved_code}
          error={s.errors?.saved_code}
          hint="It is not used up: all ten keep working."
          maxlength={40}
        />
        <Submit>Confirm and continue</Submit>
      </Form>
    </div>
  );
}
