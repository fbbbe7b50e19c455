import { CATEGORY_LABEL, DESCRIPTION_MAX, REPORT_CATEGORIES } from "../../reports/index.js";
import { Form, FormError, Submit } from "../components.js";
import type { PageContext } from "../context.js";

/** Where the report form of a project is. */
export const reportHref = (p: { ecosystem: string; name: string }) =>
  `/report?ecosystem=${encodeURIComponent(p.ecosystem)}&name=${encodeURIComponent(p.name)}`;

/**
 * The "Report malware" entry of a project page's sidebar. Reports need an account with a verified email
 * (someone the operators can ask, and a cost to flooding the queue), so the others are told what to do.
 */
export function ReportBox(p: { ctx: PageContext; ecosystem: string; name: string; here: string }) {
  const u = p.ctx.user;
  return (
    <section id="report-malware">
      <h2>Report</h2>
      {!u ? (
        <p id="report-text">
          <a href={`/account/login?next=${encodeURIComponent(p.here)}`}>Sign in</a> to report malware in this
          project.
        </p>
      ) : !u.emailVerified ? (
        <p id="report-text">
          <a href="/account/">Verify your email address</a> to report malware in this project.
        </p>
      ) : (
        <p id="report-text">
          <a href={reportHref(p)}>Report malware</a>
        </p>
      )}
    </section>
  );
}

export interface ReportPageState {
  ecosystem: string;
  name: string;
  projectHref: string;
  /** Why the form is not offered (an unverified email); the form is shown otherwise. */
  refused?: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

export function ReportPage(ctx: PageContext, s: ReportPageState) {
  const v = s.values ?? {};
  const catError = s.errors?.category;
  const descError = s.errors?.description;
  return (
    <div class="card narrow">
      <h1>Report {s.name}</h1>
      <p>
        Tell the registry's operators what is wrong with <a href={s.projectHref}>{s.name}</a>. They review
        every report and can quarantine the project: hide it from installers while they look. Other people
        cannot see your report.
      </p>
      {s.refused ? (
        <p class="alert error" role="alert">
          {s.refused} <a href="/account/">Your account</a>
        </p>
      ) : (
        <Form action="/report" csrf={ctx.csrf} label={`Report ${s.name}`}>
          <FormError message={s.error} />
          <input type="hidden" name="ecosystem" value={s.ecosystem} />
          <input type="hidden" name="name" value={s.name} />
          <fieldset
            class={catError ? "field has-error" : "field"}
            aria-describedby={catError ? "category-error" : undefined}
          >
            <legend>What is wrong?</legend>
            <ul class="checklist">
              {REPORT_CATEGORIES.map((c) => (
                <li class="choice" key={c}>
                  <input
                    type="radio"
                    id={`category-${c}`}
                    name="category"
                    value={c}
                    checked={v.category === c}
                  />
                  <label for={`category-${c}`}>{CATEGORY_LABEL[c]}</label>
                </li>
              ))}
            </ul>
            {catError && (
              <p class="field-error" id="category-error" role="alert">
                {catError}
              </p>
            )}
          </fieldset>
          <div class={descError ? "field has-error" : "field"}>
            <label for="description">What did you find?</label>
            <p class="hint" id="description-hint">
              10 to 2,000 characters: what it does, in which file or version, how you noticed.
            </p>
            <textarea
              id="description"
              name="description"
              rows={6}
              maxlength={DESCRIPTION_MAX}
              aria-invalid={descError ? "true" : undefined}
              aria-describedby={descError ? "description-hint description-error" : "description-hint"}
            >
              {v.description}
            </textarea>
            {descError && (
              <p class="field-error" id="description-error" role="alert">
                {descError}
              </p>
            )}
          </div>
          <Submit kind="danger">Send the report</Submit>
        </Form>
      )}
    </div>
  );
}
