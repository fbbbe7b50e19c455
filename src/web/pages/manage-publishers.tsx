import type { PageContext } from "../context.js";
import {
  AddPublisherForms,
  PinningHelp,
  type PublisherForms,
  type PublisherRow,
  PublisherTable,
} from "./publishers.js";

/** The manage page's "Trusted publishers" section: owners add and remove, maintainers look. */
export function PublishersSection(p: {
  ctx: PageContext;
  base: string;
  npm: boolean;
  name: string;
  rows: PublisherRow[];
  canManage: boolean;
  forms: PublisherForms;
}) {
  return (
    <section class="card" id="publishing" aria-labelledby="publishing-h">
      <h2 id="publishing-h">Trusted publishers</h2>
      <PinningHelp />
      {p.rows.length === 0 ? (
        <p class="muted" id="no-publishers">
          No trusted publishers yet: only people and their API tokens can publish {p.name}.
        </p>
      ) : (
        <PublisherTable
          rows={p.rows}
          ctx={p.ctx}
          removeAction={p.canManage ? `${p.base}publishers/remove` : null}
        />
      )}
      {p.npm && (
        <p class="hint">
          From a terminal:{" "}
          <code>npm trust github {p.name} --repo owner/repo --file release.yml --allow-publish</code>,{" "}
          <code>npm trust list {p.name}</code> and <code>npm trust revoke {p.name} --id &lt;id&gt;</code>.
        </p>
      )}
      {p.canManage && (
        <AddPublisherForms
          ctx={p.ctx}
          action={(provider) => `${p.base}publishers/add-${provider}`}
          forms={p.forms}
        />
      )}
    </section>
  );
}
