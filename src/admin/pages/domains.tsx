import { plural } from "../../lib/plural.js";
import { Form, FormError, type PageContext, Submit, Time } from "../../web/index.js";
import type { AbandonedDomainRow } from "../domains.js";
import { type ActionState, ReasonField } from "./action-form.js";
import { ConsoleFrame } from "./layout.js";

export interface DomainsPageState {
  domains: AbandonedDomainRow[];
  mark?: ActionState;
  /** Accounts at the domain typed in (or linked from an account page), shown before marking it. */
  preview?: { domain: string; accounts: number };
  /** A failed restore, keyed by domain so the error shows on its row. */
  restore?: { domain: string; state: ActionState };
}

function MarkForm(p: { ctx: PageContext; s: DomainsPageState }) {
  const f = p.s.mark ?? {};
  const error = f.errors?.domain;
  return (
    <section class="card" id="mark" aria-labelledby="mark-h">
      <h2 id="mark-h">Mark a domain abandoned</h2>
      <p>
        When a domain's registration lapses, whoever registers it next receives its mail. Addresses at a
        marked domain, and at its subdomains, can no longer recover an account, and no mail that grants access
        goes to them: no password-reset, email-verification or email-change links (each refusal is recorded in
        the account's security history). Their owners must change their address while signed in, or ask the
        operators.
      </p>
      {p.s.preview && (
        <p class="alert info" id="preview">
          {plural(p.s.preview.accounts, "account")} {p.s.preview.accounts === 1 ? "uses" : "use"} an address
          at {p.s.preview.domain} or its subdomains.
        </p>
      )}
      <Form action="/admin/domains" csrf={p.ctx.csrf} label="Mark a domain abandoned">
        <FormError message={f.error} />
        <div class={error ? "field has-error" : "field"}>
          <label for="mark-domain">Domain</label>
          <input
            id="mark-domain"
            name="domain"
            type="text"
            value={f.values?.domain}
            maxlength={253}
            aria-invalid={error ? "true" : undefined}
            aria-describedby={error ? "mark-domain-error" : undefined}
          />
          {error && (
            <p class="field-error" id="mark-domain-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <ReasonField form="mark" state={f} />
        <Submit kind="danger">Mark abandoned</Submit>
      </Form>
    </section>
  );
}

function DomainRow(p: { ctx: PageContext; d: AbandonedDomainRow; i: number; failed?: ActionState }) {
  const { d } = p;
  return (
    <tr data-domain={d.domain}>
      <td>{d.domain}</td>
      <td>{d.accounts}</td>
      <td>{d.reason}</td>
      <td>
        {d.markedBy}, <Time ms={d.createdAt} />
      </td>
      <td>
        <Form action="/admin/domains/restore" csrf={p.ctx.csrf} label={`Restore ${d.domain}`}>
          <FormError message={p.failed?.error} />
          <input type="hidden" name="domain" value={d.domain} />
          <ReasonField form={`restore-${p.i}`} state={p.failed} />
          <Submit kind="secondary">Restore</Submit>
        </Form>
      </td>
    </tr>
  );
}

export function DomainsPage(ctx: PageContext, s: DomainsPageState) {
  return (
    <ConsoleFrame current="/admin/domains">
      <h1>Abandoned email domains</h1>
      {/* A restore refused for a domain no longer listed (another admin restored it first) has no row. */}
      {s.restore && !s.domains.some((d) => d.domain === s.restore?.domain) && (
        <FormError message={s.restore.state.error ?? s.restore.state.errors?.reason} />
      )}
      {s.domains.length === 0 ? (
        <p>No domain is marked abandoned.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col">Accounts</th>
              <th scope="col">Reason</th>
              <th scope="col">By, when</th>
              <th scope="col">Restore</th>
            </tr>
          </thead>
          <tbody>
            {s.domains.map((d, i) => (
              <DomainRow
                key={d.domain}
                ctx={ctx}
                d={d}
                i={i}
                failed={s.restore?.domain === d.domain ? s.restore.state : undefined}
              />
            ))}
          </tbody>
        </table>
      )}
      <MarkForm ctx={ctx} s={s} />
    </ConsoleFrame>
  );
}
