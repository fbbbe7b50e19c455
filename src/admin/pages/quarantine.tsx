import type { ComponentChildren } from "preact";
import { CATEGORY_LABEL } from "../../reports/index.js";
import { Form, FormError, type PageContext, Submit, Time } from "../../web/index.js";
import type { QueueEntry, QueueKind } from "../quarantine-queue.js";
import { ActionCard, type ActionState, ReasonField } from "./action-form.js";
import { ConsoleFrame } from "./layout.js";
import { ECOSYSTEM_LABEL, EcosystemSelect, projectPath } from "./projects.js";

/** The queue's row actions, each a POST under /admin/quarantine/. */
export type QueueAction = "release" | "reject" | "quarantine" | "dismiss";

export interface QuarantinePageState {
  entries: QueueEntry[];
  /** The "Quarantine a project" form at the bottom. */
  form?: ActionState;
  /** A failed row action, keyed by project id, so its error shows on that row. */
  failed?: { projectId: string; action: QueueAction; state: ActionState };
}

const KIND_LABEL: Record<QueueKind, string> = {
  typosquat: "Held look-alike",
  manual: "Quarantined by an operator",
  report: "Reported by users",
};

/** One action of a row: hidden ecosystem and name, its reason field, its button. */
function RowAction(p: {
  ctx: PageContext;
  e: QueueEntry;
  i: number;
  action: QueueAction;
  title: string;
  button: string;
  kind: "primary" | "danger" | "secondary";
  failed?: QuarantinePageState["failed"];
  children?: ComponentChildren;
}) {
  const state =
    p.failed?.projectId === p.e.projectId && p.failed.action === p.action ? p.failed.state : undefined;
  return (
    <div>
      <h3>{p.title}</h3>
      <Form
        action={`/admin/quarantine/${p.action}`}
        csrf={p.ctx.csrf}
        label={`${p.button}: ${p.e.projectName}`}
        class="form queue-action"
      >
        <FormError message={state?.error} />
        <input type="hidden" name="ecosystem" value={p.e.ecosystem} />
        <input type="hidden" name="name" value={p.e.projectName} />
        <ReasonField form={`${p.action}-${p.i}`} state={state} />
        {p.children}
        <Submit kind={p.kind}>{p.button}</Submit>
      </Form>
    </div>
  );
}

function Entry(p: { ctx: PageContext; e: QueueEntry; i: number; failed?: QuarantinePageState["failed"] }) {
  const { e } = p;
  const h = `queue-${p.i}-h`;
  const common = { ctx: p.ctx, e, i: p.i, failed: p.failed };
  return (
    <section
      class="card"
      aria-labelledby={h}
      data-queue={`${e.ecosystem}/${e.projectName}`}
      data-kind={e.kind}
    >
      <h2 id={h}>
        <a href={projectPath({ ecosystem: e.ecosystem, name: e.projectName })}>{e.projectName}</a>{" "}
        <span class="muted">{ECOSYSTEM_LABEL[e.ecosystem]}</span>
      </h2>
      <dl class="meta">
        <dt>Why</dt>
        <dd>
          {KIND_LABEL[e.kind]}
          {e.quarantined ? " — hidden from installers" : " — still served"}
        </dd>
        {e.similarTo && (
          <>
            <dt>Similar to</dt>
            <dd>
              <a href={projectPath({ ecosystem: e.ecosystem, name: e.similarTo })}>{e.similarTo}</a>
            </dd>
          </>
        )}
        <dt>Reason</dt>
        <dd>{e.reason}</dd>
        <dt>Opened</dt>
        <dd>
          by {e.openedBy}, <Time ms={e.openedAt} />
        </dd>
        <dt>Open reports</dt>
        <dd data-reports={e.reports.length}>{e.reports.length}</dd>
      </dl>
      {e.reports.length > 0 && (
        <details>
          <summary>Read the reports</summary>
          <ul class="plain">
            {e.reports.map((r) => (
              <li key={r.id}>
                <strong>{CATEGORY_LABEL[r.category] ?? r.category}</strong> — {r.reporter},{" "}
                <Time ms={r.createdAt} />
                <p>{r.description}</p>
              </li>
            ))}
          </ul>
        </details>
      )}
      <div class="grid">
        {e.quarantined ? (
          <>
            <RowAction
              {...common}
              action="release"
              title="Release: serve it again"
              button="Release"
              kind="primary"
            >
              {e.kind === "typosquat" && (
                <label class="check">
                  <input type="checkbox" name="allow_lookalike" value="1" /> Also allow this look-alike name,
                  so it is not held again
                </label>
              )}
            </RowAction>
            <RowAction
              {...common}
              action="reject"
              title="Reject: keep it hidden for good"
              button="Reject (remove)"
              kind="danger"
            />
          </>
        ) : (
          <>
            <RowAction
              {...common}
              action="quarantine"
              title="Quarantine: hide it while you look"
              button="Quarantine"
              kind="danger"
            />
            <RowAction
              {...common}
              action="dismiss"
              title="Dismiss: nothing wrong found"
              button="Dismiss reports"
              kind="secondary"
            />
          </>
        )}
      </div>
    </section>
  );
}

/**
 * The quarantine queue (issue 18): held look-alikes, operators' quarantines and reported projects,
 * oldest first. Release serves the project again; reject keeps it hidden for good, its name taken and
 * its files kept for inspection; dismissing closes the reports of a project left served.
 */
export function QuarantinePage(ctx: PageContext, s: QuarantinePageState) {
  const f = s.form ?? {};
  return (
    <ConsoleFrame current="/admin/quarantine">
      <h1>Quarantine queue</h1>
      <p>
        A quarantined project is hidden from installers, listings and search, and its owners cannot change it;
        its files stay for inspection and its name stays taken. Release serves it again. Reject keeps it
        hidden for good.
      </p>
      {s.failed && !s.entries.some((e) => e.projectId === s.failed?.projectId) && (
        <FormError message={s.failed.state.error ?? s.failed.state.errors?.reason} />
      )}
      {s.entries.length === 0 ? (
        <p id="queue-empty">Nothing waits for review.</p>
      ) : (
        s.entries.map((e, i) => <Entry key={e.projectId} ctx={ctx} e={e} i={i} failed={s.failed} />)
      )}
      <ActionCard
        ctx={ctx}
        id="quarantine-project"
        title="Quarantine a project"
        action="/admin/quarantine"
        button="Quarantine"
        kind="danger"
        state={f}
      >
        <EcosystemSelect
          id="quarantine-ecosystem"
          value={f.values?.ecosystem ?? "pypi"}
          error={f.errors?.ecosystem}
        />
        <div class={f.errors?.name ? "field has-error" : "field"}>
          <label for="quarantine-name">Project name</label>
          <input
            id="quarantine-name"
            name="name"
            type="text"
            value={f.values?.name}
            maxlength={214}
            aria-invalid={f.errors?.name ? "true" : undefined}
            aria-describedby={f.errors?.name ? "quarantine-name-error" : undefined}
          />
          {f.errors?.name && (
            <p class="field-error" id="quarantine-name-error" role="alert">
              {f.errors.name}
            </p>
          )}
        </div>
      </ActionCard>
    </ConsoleFrame>
  );
}
