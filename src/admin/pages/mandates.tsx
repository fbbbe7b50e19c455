import { ECOSYSTEM_NAMES, ecosystemFor } from "../../ecosystems/index.js";
import { plural } from "../../lib/plural.js";
import type { Mandate, Phase } from "../../mandates/index.js";
import { Field, Form, FormError, type PageContext, Submit, TableScroll } from "../../web/index.js";
import { COHORTS, formatDate, type MandateFormValues, type MandatePreview } from "../mandate-form.js";
import { ConsoleFrame } from "./layout.js";
import { MandatePreviewCard } from "./mandate-preview.js";

const STRENGTHS = [
  ["any", "Any second factor (authenticator app, security key or passkey)"],
  ["phishing-resistant", "A security key or passkey (phishing-resistant)"],
] as const;

export function describeCohort(m: Pick<Mandate, "cohort" | "threshold" | "windowDays" | "projects">): string {
  if (m.cohort === "threshold") return `≥ ${m.threshold} downloads over ${plural(m.windowDays, "day")}`;
  if (m.cohort === "projects") return `projects: ${m.projects.join(", ")}`;
  return COHORTS.find(([c]) => c === m.cohort)?.[1] ?? m.cohort;
}

const day = (ms: number) => formatDate(ms);

export function MandateListPage(
  ctx: PageContext,
  s: { mandates: Mandate[]; now: number; phaseOf: (m: Mandate) => Phase },
) {
  return (
    <ConsoleFrame current="/admin/mandates">
      <h1>Mandates</h1>
      <p>
        A mandate requires a second factor of a cohort in three phases: notice (one email, a banner), warn
        (warnings on every page and publish), enforce (refused until compliant).
      </p>
      <p>
        <a class="button primary" href="/admin/mandates/new">
          New mandate
        </a>
      </p>
      {s.mandates.length === 0 ? (
        <p class="muted">No active mandates.</p>
      ) : (
        <TableScroll label="Mandates" data-table="mandates">
          <thead>
            <tr>
              <th scope="col">Mandate</th>
              <th scope="col">Phase</th>
              <th scope="col">Notice · warn · enforce</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {s.mandates.map((m) => (
              <tr key={m.id} data-mandate={m.id}>
                <td>
                  <a href={`/admin/mandates/${m.id}/edit`}>{m.name}</a>
                  <div class="muted">
                    {m.ecosystem ?? "every ecosystem"} · {describeCohort(m)} · requires{" "}
                    {m.strength === "any" ? "any second factor" : "a security key or passkey"}
                  </div>
                </td>
                <td>
                  <span class="state" data-phase={s.phaseOf(m)}>
                    {s.phaseOf(m)}
                  </span>
                </td>
                <td>
                  {day(m.noticeAt)} · {day(m.warnAt)} · {day(m.enforceAt)}
                </td>
                <td>
                  <Form
                    action={`/admin/mandates/${m.id}/archive`}
                    csrf={ctx.csrf}
                    class="inline"
                    label={`Archive ${m.name}`}
                  >
                    <label class="visually-hidden" for={`reason-${m.id}`}>
                      Reason
                    </label>
                    <input
                      type="text"
                      id={`reason-${m.id}`}
                      name="reason"
                      placeholder="Reason"
                      required
                      maxlength={500}
                    />{" "}
                    <Submit kind="danger">Archive</Submit>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
    </ConsoleFrame>
  );
}

export interface MandateFormState {
  mandate?: { id: string; phase: Phase };
  values: MandateFormValues;
  errors?: Record<string, string>;
  error?: string;
  info?: string;
  preview?: MandatePreview;
  /** Present with a preview: the Save button is offered for exactly these values. */
  digest?: string;
}

function Select(p: {
  name: string;
  label: string;
  value: string;
  options: ReadonlyArray<readonly [string, string]>;
  error?: string;
}) {
  return (
    <div class={p.error ? "field has-error" : "field"}>
      <label for={p.name}>{p.label}</label>
      <select id={p.name} name={p.name} aria-invalid={p.error ? "true" : undefined}>
        {p.options.map(([v, label]) => (
          <option key={v} value={v} selected={p.value === v}>
            {label}
          </option>
        ))}
      </select>
      {p.error && (
        <p class="field-error" id={`${p.name}-error`} role="alert">
          {p.error}
        </p>
      )}
    </div>
  );
}

const dateType = (v: string) => (v === "" || /^\d{4}-\d{2}-\d{2}$/.test(v) ? "date" : "text");

export function MandateFormPage(ctx: PageContext, s: MandateFormState) {
  const v = s.values;
  const e = s.errors ?? {};
  const action = s.mandate ? `/admin/mandates/${s.mandate.id}` : "/admin/mandates";
  return (
    <ConsoleFrame current="/admin/mandates">
      <h1>{s.mandate ? `Edit mandate “${v.name}”` : "New mandate"}</h1>
      {s.mandate && (
        <p>
          Now in phase <span class="state">{s.mandate.phase}</span>. Changes apply as soon as they are saved.
        </p>
      )}
      {s.info && (
        <div class="alert info" role="status">
          {s.info}
        </div>
      )}
      <FormError message={s.error} />
      {s.preview && <MandatePreviewCard preview={s.preview} />}
      <Form action={action} csrf={ctx.csrf} label={s.mandate ? "Edit mandate" : "New mandate"}>
        <Field name="name" label="Name" value={v.name} error={e.name} maxlength={100} />
        <Select
          name="ecosystem"
          label="Ecosystem"
          value={v.ecosystem}
          options={[
            ["", "Every ecosystem"],
            ...ECOSYSTEM_NAMES.map((e) => [e, ecosystemFor(e).label] as const),
          ]}
          error={e.ecosystem}
        />
        <Select name="cohort" label="Cohort" value={v.cohort} options={COHORTS} error={e.cohort} />
        <Field
          name="threshold"
          label="Download threshold"
          type="number"
          hint="Threshold cohort only."
          value={v.threshold}
          error={e.threshold}
          required={false}
        />
        <Field
          name="window"
          label="Window (days)"
          type="number"
          hint="Threshold cohort: downloads are counted over this many days."
          value={v.window || "180"}
          error={e.window}
          required={false}
        />
        <div class={e.projects ? "field has-error" : "field"}>
          <label for="projects">Projects</label>
          <p class="hint" id="projects-hint">
            Projects cohort only: one name per line.
          </p>
          <textarea id="projects" name="projects" rows={3} cols={40} aria-describedby="projects-hint">
            {v.projects}
          </textarea>
          {e.projects && (
            <p class="field-error" id="projects-error" role="alert">
              {e.projects}
            </p>
          )}
        </div>
        <Select
          name="strength"
          label="Required strength"
          value={v.strength}
          options={STRENGTHS}
          error={e.strength}
        />
        <Field
          name="notice"
          label="Notice from"
          type={dateType(v.notice)}
          hint="UTC, e.g. 2027-01-15"
          value={v.notice}
          error={e.notice}
        />
        <Field name="warn" label="Warn from" type={dateType(v.warn)} value={v.warn} error={e.warn} />
        <Field
          name="enforce"
          label="Enforce from"
          type={dateType(v.enforce)}
          value={v.enforce}
          error={e.enforce}
        />
        <Field
          name="reason"
          label="Reason"
          hint="Required to save: it goes into the audit log."
          value={v.reason}
          error={e.reason}
          required={false}
          maxlength={500}
        />
        {s.digest && <input type="hidden" name="previewed" value={s.digest} />}
        <p>
          <button
            type="submit"
            name="intent"
            value="preview"
            class={`button ${s.digest ? "secondary" : "primary"}`}
          >
            Preview
          </button>{" "}
          {s.digest && (
            <button type="submit" name="intent" value="save" class="button primary">
              Save
            </button>
          )}
        </p>
      </Form>
    </ConsoleFrame>
  );
}
