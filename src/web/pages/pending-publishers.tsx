import { FormError } from "../components.js";
import type { PageContext } from "../context.js";
import { AddPublisherForms, type PublisherForms, type PublisherRow, PublisherTable } from "./publishers.js";

export interface PendingPublishersState {
  rows: PublisherRow[];
  /** How many one account may hold at once. */
  limit: number;
  forms: PublisherForms;
  /** Unverified accounts see why they cannot add one. */
  verified: boolean;
}

/**
 * /account/publishing: publishers for projects that do not exist yet (PyPI's "pending publishers"). The
 * first publish through one creates the project, owned by this account, and turns it into an ordinary
 * trusted publisher of that project. Until then the name is reserved for this account's publisher only.
 */
export function PendingPublishersPage(ctx: PageContext, s: PendingPublishersState) {
  const full = s.rows.length >= s.limit;
  return (
    <>
      <h1>Pending publishers</h1>
      <p>
        A pending publisher lets a CI workflow create a new project on its first publish, without an API
        token. The project is created with you as its owner, and the publisher becomes its trusted publisher.
        Until then no other account can add a pending publisher for that name, but someone may still create
        the project first with a token: publish soon.
      </p>
      <p class="hint">
        For an existing project, add publishers on its manage page instead (Your projects → Manage → Trusted
        publishers). Each account may hold {s.limit} pending publishers at a time.
      </p>
      <section aria-labelledby="pending-h" id="pending">
        <h2 id="pending-h">Your pending publishers</h2>
        {s.rows.length === 0 ? (
          <p class="muted" id="no-pending">
            None.
          </p>
        ) : (
          <PublisherTable rows={s.rows} ctx={ctx} removeAction="/account/publishing/remove" pending />
        )}
      </section>
      {(!s.verified || full) && <FormError message={s.forms.github?.error ?? s.forms.gitlab?.error} />}
      {!s.verified ? (
        <div class="alert info" role="note" id="verify-first">
          Verify your email address first: a pending publisher creates a project you will own.{" "}
          <a href="/account/#email">Resend the link</a>
        </div>
      ) : full ? (
        <div class="alert info" role="note" id="pending-full">
          You have {s.limit} pending publishers, the most an account may hold. Remove one, or publish with one
          first.
        </div>
      ) : (
        <AddPublisherForms
          ctx={ctx}
          action={(provider) => `/account/publishing/add-${provider}`}
          forms={s.forms}
          pending
        />
      )}
    </>
  );
}
