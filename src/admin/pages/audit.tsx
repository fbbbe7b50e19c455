import type { PageContext } from "../../web/index.js";
import { DetailList, dataDetails, Time } from "../../web/index.js";
import type { AuditRecord } from "../audit.js";
import type { AuditQuery } from "../audit-query.js";
import { FilterForm, FilterInput } from "./action-form.js";
import { ConsoleFrame } from "./layout.js";

export interface AuditPageState {
  query: AuditQuery;
  errors: Record<string, string>;
  entries: AuditRecord[];
  actions: string[];
  /** The next page's URL when older entries match too. */
  older: string | null;
  /** The first page with the same filters, when this is a later one. */
  newest: string | null;
}

/** Where the console shows a target, when it has a page of its own. */
function targetHref(e: AuditRecord): string | null {
  if (e.targetType === "user") return `/admin/users/${encodeURIComponent(e.target)}`;
  if (e.targetType === "project") {
    const slash = e.target.indexOf("/");
    if (slash > 0)
      return `/admin/projects/${e.target.slice(0, slash)}/${encodeURIComponent(e.target.slice(slash + 1))}`;
  }
  return null;
}

/** The entry's data as readable details (old → new for changes), then where the admin acted from. */
function Details(p: { e: AuditRecord }) {
  const details = dataDetails(p.e.data);
  if (p.e.ip) details.push({ key: "ip", label: "From", value: p.e.ip });
  return <DetailList details={details} />;
}

function FieldErrors(p: { errors: Record<string, string> }) {
  const entries = Object.entries(p.errors);
  if (!entries.length) return null;
  return (
    <div class="alert error" role="alert" id="filter-errors">
      {entries.map(([k, v]) => (
        <p key={k}>
          {k === "from" ? "From" : "To"}: {v}
        </p>
      ))}
    </div>
  );
}

export function AuditPage(_ctx: PageContext, s: AuditPageState) {
  const q = s.query;
  return (
    <ConsoleFrame current="/admin/audit">
      <h1>Audit log</h1>
      <p>Every admin action, newest first. Entries cannot be changed or deleted.</p>
      <FieldErrors errors={s.errors} />
      <FilterForm action="/admin/audit" label="Filter the audit log">
        <FilterInput name="actor" label="Admin contains" value={q.actor} />
        <FilterInput name="action" label="Action contains" value={q.action} list="audit-actions" />
        <FilterInput name="target" label="Target contains" value={q.target} />
        <FilterInput name="reason" label="Reason contains" value={q.reason} />
        <FilterInput name="from" label="From (UTC day)" value={q.from} type="date" error={s.errors.from} />
        <FilterInput name="to" label="To (UTC day)" value={q.to} type="date" error={s.errors.to} />
      </FilterForm>
      <datalist id="audit-actions">
        {s.actions.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      {s.entries.length === 0 ? (
        <p>No entry matches.</p>
      ) : (
        <table class="audit">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Admin</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Reason and details</th>
            </tr>
          </thead>
          <tbody>
            {s.entries.map((e) => {
              const href = targetHref(e);
              return (
                <tr key={e.id} data-audit={e.action}>
                  <td>
                    <Time ms={e.createdAt} />
                  </td>
                  <td>{e.actorName}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    <span class="muted">{e.targetType}</span>{" "}
                    {href ? <a href={href}>{e.target}</a> : e.target}
                  </td>
                  <td>
                    {e.reason && <p class="reason">{e.reason}</p>}
                    <Details e={e} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p>
        {s.newest && <a href={s.newest}>Newest entries</a>}
        {s.newest && s.older && " · "}
        {s.older && (
          <a href={s.older} rel="next" id="older">
            Older entries
          </a>
        )}
      </p>
    </ConsoleFrame>
  );
}
