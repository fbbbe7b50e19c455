import { ECOSYSTEM_NAMES, ecosystemFor } from "../../ecosystems/index.js";
import {
  Field,
  Form,
  FormError,
  type PageContext,
  projectHref,
  Submit,
  TableScroll,
  Time,
} from "../../web/index.js";
import { ConsoleFrame } from "./layout.js";

export interface CriticalRow {
  ecosystem: string;
  name: string;
  normalizedName: string;
  /** null for an exclusion (an admin removed the designation; the daily job will not add it back). */
  since: number | null;
  /** 1 designated by an admin, 0 by the rule, -1 excluded by an admin (criticality-plan MANUAL). */
  manual: number;
  reason: string | null;
  maintainers: number;
  withKey: number;
  withAny: number;
}

export interface CriticalPageState {
  rows: CriticalRow[];
  /** Rows matching the filter before the display limit. */
  matching: number;
  limit: number;
  filter: { ecosystem: string; q: string };
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

export const ECOSYSTEMS = ECOSYSTEM_NAMES;

function how(r: CriticalRow): string {
  if (r.manual === -1) return "excluded by an admin";
  return r.manual === 1 ? "designated by an admin" : "by downloads";
}

function RowAction(p: { ctx: PageContext; row: CriticalRow }) {
  const excluded = p.row.manual === -1;
  return (
    <Form
      action={excluded ? "/admin/critical/designate" : "/admin/critical/remove"}
      csrf={p.ctx.csrf}
      class="inline"
      label={`${excluded ? "Designate" : "Remove"} ${p.row.ecosystem}/${p.row.name}`}
    >
      <input type="hidden" name="ecosystem" value={p.row.ecosystem} />
      <input type="hidden" name="name" value={p.row.name} />
      <label class="visually-hidden" for={`reason-${p.row.ecosystem}-${p.row.name}`}>
        Reason
      </label>
      <input
        type="text"
        id={`reason-${p.row.ecosystem}-${p.row.name}`}
        name="reason"
        placeholder="Reason"
        required
        maxlength={500}
      />{" "}
      <Submit kind={excluded ? "secondary" : "danger"}>{excluded ? "Designate" : "Remove"}</Submit>
    </Form>
  );
}

export function CriticalPage(ctx: PageContext, s: CriticalPageState) {
  const v = s.values ?? {};
  return (
    <ConsoleFrame current="/admin/critical">
      <h1>Critical projects</h1>
      <p>
        Projects are critical when the daily ranking by downloads selects them or an admin designates them.
        Their maintainers are told, and mandates for the critical cohort apply to them. Removing a designation
        excludes the project from the ranking until an admin designates it again.
      </p>
      <form method="get" action="/admin/critical" class="filters" aria-label="Filter">
        <div>
          <label for="filter-ecosystem">Ecosystem</label>
          <select id="filter-ecosystem" name="ecosystem">
            <option value="">All</option>
            {ECOSYSTEMS.map((e) => (
              <option key={e} value={e} selected={s.filter.ecosystem === e}>
                {ecosystemFor(e).label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="filter-q">Name contains</label>
          <input type="search" id="filter-q" name="q" value={s.filter.q} maxlength={100} />
        </div>
        <button type="submit" class="button secondary">
          Filter
        </button>
      </form>
      <p class="muted" id="critical-count">
        {s.matching} project{s.matching === 1 ? "" : "s"}
        {s.matching > s.rows.length ? ` (showing the first ${s.rows.length})` : ""}
      </p>
      {s.rows.length === 0 ? (
        <p class="muted">
          No critical projects{s.filter.ecosystem || s.filter.q ? " match the filter" : " yet"}.
        </p>
      ) : (
        <TableScroll label="Critical projects" data-table="critical">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Since</th>
              <th scope="col">How</th>
              <th scope="col">Maintainers with a key</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {s.rows.map((r) => (
              <tr key={`${r.ecosystem}/${r.name}`} data-project={`${r.ecosystem}/${r.normalizedName}`}>
                <td>
                  <span class="badge">{r.ecosystem}</span> <a href={projectHref(r)}>{r.name}</a>
                </td>
                <td>{r.since === null ? "—" : <Time ms={r.since} />}</td>
                <td>
                  <span class="state">{how(r)}</span>
                  {r.reason && <div class="muted">{r.reason}</div>}
                </td>
                <td data-compliant={`${r.withKey}/${r.maintainers}`}>
                  {r.withKey} of {r.maintainers}
                  <div class="muted">{r.withAny} with any second factor</div>
                </td>
                <td>
                  <RowAction ctx={ctx} row={r} />
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}

      <section class="card" aria-labelledby="designate-h">
        <h2 id="designate-h">Designate a project</h2>
        <FormError message={s.error} />
        <Form action="/admin/critical/designate" csrf={ctx.csrf} label="Designate a project critical">
          <div class={s.errors?.ecosystem ? "field has-error" : "field"}>
            <label for="ecosystem">Ecosystem</label>
            <select
              id="ecosystem"
              name="ecosystem"
              aria-invalid={s.errors?.ecosystem ? "true" : undefined}
              aria-describedby={s.errors?.ecosystem ? "ecosystem-error" : undefined}
            >
              {ECOSYSTEMS.map((e) => (
                <option key={e} value={e} selected={v.ecosystem === e}>
                  {ecosystemFor(e).label}
                </option>
              ))}
            </select>
            {s.errors?.ecosystem && (
              <p class="field-error" id="ecosystem-error" role="alert">
                {s.errors.ecosystem}
              </p>
            )}
          </div>
          <Field name="name" label="Project name" value={v.name} error={s.errors?.name} maxlength={214} />
          <Field
            name="reason"
            label="Reason"
            hint="Recorded on the project and in the audit log, and quoted in the email to its maintainers."
            value={v.reason}
            error={s.errors?.reason}
            maxlength={500}
          />
          <Submit>Designate critical</Submit>
        </Form>
      </section>
    </ConsoleFrame>
  );
}
