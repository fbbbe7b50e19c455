import type { PageContext } from "../../web/index.js";
import { TableScroll, Time } from "../../web/index.js";
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

function details(e: AuditRecord): string {
  const parts = Object.entries(e.data).map(
    ([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`,
  );
  return [...parts, e.ip ? `from ${e.ip}` : ""].filter(Boolean).join("; ");
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
        <FilterInput name="actor" label="Admin" value={q.actor} />
        <FilterInput name="action" label="Action" value={q.action} list="audit-actions" />
        <FilterInput name="target" label="Target contains" value={q.target} />
        <FilterInput name="from" label="From (UTC day)" value={q.from} type="date" />
        <FilterInput name="to" label="To (UTC day)" value={q.to} type="date" />
      </FilterForm>
      <datalist id="audit-actions">
        {s.actions.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      {s.entries.length === 0 ? (
        <p>No entry matches.</p>
      ) : (
        <TableScroll label="Audit log">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Admin</th>
              <th scope="col">Action</th>
              <th scope="col">Target type</th>
              <th scope="col">Target</th>
              <th scope="col">Reason</th>
              <th scope="col">Details</th>
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
                  <td>{e.targetType}</td>
                  <td>{href ? <a href={href}>{e.target}</a> : e.target}</td>
                  <td>{e.reason}</td>
                  <td class="muted">{details(e)}</td>
                </tr>
              );
            })}
          </tbody>
        </TableScroll>
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
