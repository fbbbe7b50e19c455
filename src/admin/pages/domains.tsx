import { plural } from "../../lib/plural.js";
import { Form, FormError, type PageContext, Submit, TableScroll, Time } from "../../web/index.js";
import { FAILURES_TO_FLAG } from "../domain-check.js";
import type { DomainAccount } from "../domain-check-store.js";
import type { AbandonedDomainRow, SuspectDomain } from "../domains.js";
import { type ActionState, ReasonField, userPath } from "./action-form.js";
import { ConsoleFrame } from "./layout.js";

export interface DomainsPageState {
  domains: AbandonedDomainRow[];
  /** Domains the DNS check finds without a mail host (or an answer), not marked. */
  suspects: SuspectDomain[];
  /** The check's settings, so the page says what runs. intervalMinutes 0: off. */
  checking: { intervalMinutes: number; servers: string[]; maxAccounts: number };
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

/** The accounts a mark reaches, each linked to its console page. */
function People(p: { people: DomainAccount[]; total: number }) {
  if (!p.people.length) return <span class="muted">none</span>;
  return (
    <ul class="people">
      {p.people.map((a) => (
        <li key={a.username}>
          <a href={userPath(a.username)}>{a.username}</a> <span class="muted">{a.email}</span>
          {!a.verified && <span class="muted"> (unverified)</span>}
        </li>
      ))}
      {p.total > p.people.length && (
        <li class="muted">and {plural(p.total - p.people.length, "more account")}</li>
      )}
    </ul>
  );
}

function DnsEvidence(p: { d: AbandonedDomainRow }) {
  const c = p.d.check;
  if (!c?.checkedAt) return <span class="muted">not checked</span>;
  return (
    <div class="dns-evidence">
      {c.resolvesAgainAt !== null && (
        <p class="alert error" data-resolves-again={p.d.domain}>
          Receives mail again since <Time ms={c.resolvesAgainAt} />. Whoever registered the lapsed name gets
          its mail: find out who holds it now before you restore it.
        </p>
      )}
      {c.flaggedAt !== null && (
        <div>
          Detected by the DNS check, <Time ms={c.flaggedAt} />
        </div>
      )}
      <div>
        Last check <Time ms={c.checkedAt} />: {c.detail}
      </div>
      {c.failingSince !== null && (
        <div class="muted">
          No mail host since <Time ms={c.failingSince} /> ({plural(c.failures, "check")})
        </div>
      )}
    </div>
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
        <DnsEvidence d={d} />
      </td>
      <td>
        <People people={p.d.people} total={d.accounts} />
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

function status(c: SuspectDomain, maxAccounts: number) {
  if (c.reportedAt !== null)
    return (
      <span data-reported={c.domain}>
        Reported, not marked: more than {plural(maxAccounts, "verified account")} use it. Mark it by hand once
        you know it lapsed.
      </span>
    );
  if (c.failures === 0)
    return (
      <span>
        No answer from DNS since <Since ms={c.unknownSince} /> ({c.detail}): no evidence either way, nothing
        counts.
      </span>
    );
  return (
    <span>
      No mail host: {c.failures} of {FAILURES_TO_FLAG} checks, a day apart, before it is marked
    </span>
  );
}

const Since = (p: { ms: number | null }) => (p.ms === null ? null : <Time ms={p.ms} />);

/** Failing domains not (yet) marked: the operator can confirm one now through the form below. */
function Suspects(p: { s: DomainsPageState }) {
  const { checking } = p.s;
  return (
    <section class="card" id="suspects" aria-labelledby="suspects-h">
      <h2 id="suspects-h">Automatic DNS check</h2>
      <p id="dns-check-status">
        {checking.intervalMinutes === 0
          ? "The DNS check is off (WHARF_DOMAIN_CHECK_INTERVAL_MINUTES=0): domains are marked by hand only."
          : `Every ${plural(checking.intervalMinutes, "minute")} a batch of email domains of verified accounts is looked up (DNS servers: ${checking.servers.join(", ") || "the host's"}); each is checked weekly, daily while failing. A domain with no mail host (NXDOMAIN, no MX and no A/AAAA, or a null MX) on ${FAILURES_TO_FLAG} checks a day apart is marked abandoned by system:dns-check; DNS errors and timeouts count for nothing.`}
      </p>
      {p.s.suspects.length === 0 ? (
        <p>No domain is failing its DNS check.</p>
      ) : (
        <TableScroll label="Failing domains">
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col">Verified accounts</th>
              <th scope="col">Since</th>
              <th scope="col">Status</th>
              <th scope="col">Last check</th>
              <th scope="col">Affected accounts</th>
              <th scope="col">Confirm</th>
            </tr>
          </thead>
          <tbody>
            {p.s.suspects.map((c) => (
              <tr key={c.domain} data-suspect={c.domain}>
                <td>{c.domain}</td>
                <td>{c.accounts}</td>
                <td>
                  {(c.failingSince ?? c.unknownSince) !== null && (
                    <Time ms={(c.failingSince ?? c.unknownSince)!} />
                  )}
                </td>
                <td>{status(c, checking.maxAccounts)}</td>
                <td>
                  {c.checkedAt !== null && <Time ms={c.checkedAt} />}: {c.detail}
                </td>
                <td>
                  <People people={c.people} total={c.accounts} />
                </td>
                <td>
                  <a href={`/admin/domains?domain=${encodeURIComponent(c.domain)}#mark`}>Mark abandoned…</a>
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
    </section>
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
        <TableScroll label="Abandoned domains">
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col">Accounts</th>
              <th scope="col">Reason</th>
              <th scope="col">By, when</th>
              <th scope="col">DNS check</th>
              <th scope="col">Affected accounts</th>
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
        </TableScroll>
      )}
      <Suspects s={s} />
      <MarkForm ctx={ctx} s={s} />
    </ConsoleFrame>
  );
}
