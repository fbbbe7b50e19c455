import type { SecurityEvent } from "../../events/index.js";
import {
  isAbandonedRequest,
  PROOF_LABELS,
  type QueueEntry,
  type RecoveryRequest,
} from "../../recovery/index.js";
import { ago, Field, Form, FormError, type PageContext, relativeAge, Time } from "../../web/index.js";
import { ConsoleFrame } from "./layout.js";

/** The request's state; an abandoned one (proofs never sent within the window) says so. */
function State(p: { r: RecoveryRequest; now: number }) {
  if (isAbandonedRequest(p.r, p.now))
    return (
      <span class="state stale" data-stale="">
        abandoned: proofs never submitted
      </span>
    );
  return <span class="state">{p.r.state}</span>;
}

function proofsText(r: RecoveryRequest): string {
  return r.proofs
    .map((p) => (p.kind === "api_token" ? `API token "${p.name}"` : PROOF_LABELS[p.kind]))
    .join("; ");
}

export function RecoveryQueuePage(
  _ctx: PageContext,
  s: { rows: QueueEntry[]; now: number; showAll: boolean },
) {
  return (
    <ConsoleFrame current="/admin/recovery">
      <h1>Recovery queue</h1>
      <p class="subnav">
        {s.showAll ? (
          <a href="/admin/recovery">Open requests only</a>
        ) : (
          <a href="/admin/recovery?all=1">All requests</a>
        )}
      </p>
      {s.rows.length === 0 ? (
        <p id="queue-empty">No {s.showAll ? "" : "open "}recovery requests.</p>
      ) : (
        <table id="recovery-queue">
          <thead>
            <tr>
              <th>Account</th>
              <th>State</th>
              <th>Age</th>
              <th>Proofs</th>
              <th>Wait ends</th>
            </tr>
          </thead>
          <tbody>
            {s.rows.map((r) => (
              <tr
                key={r.id}
                data-request={r.id}
                data-state={r.state}
                class={isAbandonedRequest(r, s.now) ? "stale" : undefined}
              >
                <td>
                  <a href={`/admin/recovery/${r.id}`}>{r.username}</a>
                  {r.critical && " (critical maintainer)"}
                </td>
                <td>
                  <State r={r} now={s.now} />
                </td>
                <td>{relativeAge(s.now, r.createdAt)}</td>
                <td>{proofsText(r) || (r.state === "queued" ? "none — review by hand" : "—")}</td>
                <td>{r.waitUntil !== null ? <Time ms={r.waitUntil} /> : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ConsoleFrame>
  );
}

export interface RecoveryDetail {
  request: RecoveryRequest;
  username: string;
  email: string;
  coMaintainers: number;
  events: SecurityEvent[];
  now: number;
  error?: string;
  reasonError?: string;
}

export function RecoveryDetailPage(ctx: PageContext, s: RecoveryDetail) {
  const r = s.request;
  const open = r.state === "proofs" || r.state === "waiting" || r.state === "queued";
  return (
    <ConsoleFrame current="/admin/recovery">
      <h1>Recovery of {s.username}</h1>
      <FormError message={s.error} />
      <dl class="meta" id="recovery-detail" data-state={r.state}>
        <dt>State</dt>
        <dd>
          <State r={r} now={s.now} />
          {r.decisionReason && ` — ${r.decisionReason}`}
          {r.decidedBy && ` (by ${r.decidedBy})`}
        </dd>
        <dt>Requested</dt>
        <dd>
          <Time ms={r.createdAt} /> ({ago(s.now, r.createdAt)}) from {r.requesterIp},{" "}
          {r.requesterUa || "unknown browser"}
        </dd>
        <dt>Email confirmed</dt>
        <dd>
          {r.email}
          {r.email !== s.email && " — the account's address has changed since"}
        </dd>
        <dt>Proofs checked by machine</dt>
        <dd>{proofsText(r) || "none"}</dd>
        <dt>Waiting period</dt>
        <dd>
          {r.waitUntil !== null ? <Time ms={r.waitUntil} /> : "not started"}
          {r.critical && " (longer: maintains a critical project)"}
          {r.approvedBy && ` — approved by ${r.approvedBy}`}
        </dd>
        <dt>Co-maintainers told</dt>
        <dd>{s.coMaintainers}</dd>
      </dl>
      <p>
        <a href={`/admin/users/${encodeURIComponent(s.username)}`}>The account in the users section</a>
      </p>
      {open && (
        <Form action={`/admin/recovery/${r.id}/decide`} csrf={ctx.csrf} label="Decide on the request">
          <Field
            name="reason"
            label="Reason (goes into the audit log and, for a denial, to the requester)"
            error={s.reasonError}
            maxlength={500}
          />
          <div class="row">
            {(r.state === "queued" || r.state === "waiting") && (
              <button type="submit" name="decision" value="approve" class="button primary">
                {r.state === "queued"
                  ? "Approve: start the waiting period"
                  : "Approve: no longer require the proofs"}
              </button>
            )}{" "}
            <button type="submit" name="decision" value="deny" class="button danger">
              Deny
            </button>{" "}
            <button type="submit" name="decision" value="cancel" class="button secondary">
              Cancel
            </button>
          </div>
        </Form>
      )}
      <h2>Account events</h2>
      <table id="recovery-events">
        <tbody>
          {s.events.map((e) => (
            <tr key={e.id}>
              <td>
                <Time ms={e.createdAt} />
              </td>
              <td>{e.label}</td>
              <td>{e.ip ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ConsoleFrame>
  );
}
