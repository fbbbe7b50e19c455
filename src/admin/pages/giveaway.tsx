import { CODES_PER_USER } from "../../giveaway/index.js";
import { Field, Form, FormError, type PageContext, Submit, TableScroll, Time } from "../../web/index.js";
import { ConsoleFrame } from "./layout.js";

export interface BatchRow {
  batch: string;
  loaded: number;
  claimed: number;
  firstLoadedAt: number;
}

export interface ClaimRow {
  username: string;
  claimedAt: number;
  batch: string;
  /** The code with all but its last characters hidden: enough to match a vendor's report, not to use it. */
  masked: string;
}

export interface GiveawayAdminState {
  total: number;
  claimed: number;
  available: number;
  batches: BatchRow[];
  claims: ClaimRow[];
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

/** Codes are bearer secrets worth money: the console shows the hint stored at load time, never the code. */
export { maskCode } from "../../giveaway/index.js";

export function GiveawayAdminPage(ctx: PageContext, s: GiveawayAdminState) {
  const v = s.values ?? {};
  return (
    <ConsoleFrame current="/admin/giveaway">
      <h1>Security-key giveaway</h1>
      <p>
        Maintainers of critical projects claim up to {CODES_PER_USER} promo codes each at{" "}
        <a href="/account/security-keys">/account/security-keys</a>.
      </p>
      <div class="stat-grid">
        <div class="stat" data-stat="loaded">
          Loaded<b>{s.total}</b>
        </div>
        <div class="stat" data-stat="claimed">
          Claimed<b>{s.claimed}</b>
        </div>
        <div class="stat" data-stat="remaining">
          Remaining<b>{s.available}</b>
        </div>
      </div>
      {s.available === 0 && s.total > 0 && (
        <div class="alert error" role="status">
          Every code has been claimed: maintainers are told to check back later. Load more below.
        </div>
      )}

      <h2>By batch</h2>
      {s.batches.length === 0 ? (
        <p class="muted">No codes loaded yet.</p>
      ) : (
        <TableScroll label="Code batches" data-table="batches">
          <thead>
            <tr>
              <th scope="col">Batch</th>
              <th scope="col">Loaded</th>
              <th scope="col">Claimed</th>
              <th scope="col">Remaining</th>
              <th scope="col">First loaded</th>
            </tr>
          </thead>
          <tbody>
            {s.batches.map((b) => (
              <tr key={b.batch} data-batch={b.batch}>
                <td>{b.batch}</td>
                <td>{b.loaded}</td>
                <td>{b.claimed}</td>
                <td>{b.loaded - b.claimed}</td>
                <td>
                  <Time ms={b.firstLoadedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}

      <h2>Recent claims</h2>
      {s.claims.length === 0 ? (
        <p class="muted">No claims yet.</p>
      ) : (
        <TableScroll label="Recent claims" data-table="claims">
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">When</th>
              <th scope="col">Batch</th>
              <th scope="col">Code</th>
            </tr>
          </thead>
          <tbody>
            {s.claims.map((c) => (
              <tr key={`${c.username}-${c.claimedAt}-${c.masked}`} data-claim={c.username}>
                <td>{c.username}</td>
                <td>
                  <Time ms={c.claimedAt} />
                </td>
                <td>{c.batch}</td>
                <td>
                  <code>{c.masked}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}

      <section class="card" aria-labelledby="load-h">
        <h2 id="load-h">Load codes</h2>
        <FormError message={s.error} />
        <Form action="/admin/giveaway" csrf={ctx.csrf} label="Load codes">
          <Field
            name="batch"
            label="Batch"
            hint="e.g. the vendor and order: yubico-2026-11"
            value={v.batch}
            error={s.errors?.batch}
            maxlength={100}
          />
          <div class={s.errors?.codes ? "field has-error" : "field"}>
            <label for="codes">Codes</label>
            <p class="hint" id="codes-hint">
              One per line, or a CSV whose first column is the code. Codes already loaded are skipped. Up to
              20,000 characters at a time; load larger files with <code>wharf giveaway load FILE</code>.
            </p>
            <textarea id="codes" name="codes" rows={8} cols={40} aria-describedby="codes-hint">
              {v.codes}
            </textarea>
            {s.errors?.codes && (
              <p class="field-error" id="codes-error" role="alert">
                {s.errors.codes}
              </p>
            )}
          </div>
          <Field
            name="reason"
            label="Reason"
            hint="Goes into the audit log."
            value={v.reason}
            error={s.errors?.reason}
            maxlength={500}
          />
          <Submit>Load codes</Submit>
        </Form>
      </section>
    </ConsoleFrame>
  );
}
