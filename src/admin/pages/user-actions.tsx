import { FormError, type PageContext } from "../../web/index.js";
import { ActionCard, userPath } from "./action-form.js";
import type { UserAction, UserPageState } from "./users.js";

/**
 * The action cards of an account page. A refusal whose form is not on the page (freezing an account
 * someone else froze a moment ago) is shown above the cards instead of being lost.
 */
export function UserActions(p: { ctx: PageContext; s: UserPageState }) {
  const { user } = p.s.detail;
  const base = userPath(user.username);
  const forms = p.s.forms ?? {};
  const domainLink = `/admin/domains?domain=${encodeURIComponent(p.s.detail.domain)}`;
  const shown = new Set<UserAction>(["revoke"]);
  if (!p.s.self) shown.add(user.isFrozen ? "unfreeze" : "freeze").add("reset-mfa");
  const orphan = (Object.keys(forms) as UserAction[]).find((k) => !shown.has(k));
  const orphanState = orphan ? forms[orphan] : undefined;
  return (
    <>
      <FormError message={orphanState?.error ?? orphanState?.errors?.reason} />
      {p.s.self ? (
        <p class="alert info">
          This is your own account: another admin must freeze it or reset its two-factor authentication.
        </p>
      ) : (
        <>
          {user.isFrozen ? (
            <ActionCard
              ctx={p.ctx}
              id="unfreeze"
              title="Unfreeze the account"
              action={`${base}/unfreeze`}
              button="Unfreeze"
              state={forms.unfreeze}
            />
          ) : (
            <ActionCard
              ctx={p.ctx}
              id="freeze"
              title="Freeze the account"
              action={`${base}/freeze`}
              button="Freeze"
              kind="danger"
              state={forms.freeze}
            >
              <p>The account can no longer sign in or use its API tokens, and every session ends now.</p>
            </ActionCard>
          )}
          <ActionCard
            ctx={p.ctx}
            id="reset-mfa"
            title="Reset two-factor authentication"
            action={`${base}/reset-mfa`}
            button="Reset two-factor authentication"
            kind="danger"
            state={forms["reset-mfa"]}
          >
            <p>
              Removes the authenticator app, every security key and passkey and the recovery codes; all
              sessions end and the user is emailed. Do this only after verifying the person out of band.
            </p>
          </ActionCard>
        </>
      )}
      <ActionCard
        ctx={p.ctx}
        id="revoke"
        title="Sign out everywhere"
        action={`${base}/revoke`}
        button="Revoke sessions and tokens"
        kind="danger"
        state={forms.revoke}
      >
        <p>Ends every session, revokes every API token and forgets every remembered browser.</p>
      </ActionCard>
      <section class="card" id="domain" aria-labelledby="domain-h">
        <h2 id="domain-h">Email domain</h2>
        {p.s.detail.domainAbandoned ? (
          <p>
            <strong>{p.s.detail.domain}</strong> is marked abandoned: this account cannot be recovered by
            email.
          </p>
        ) : (
          <p>
            If <strong>{p.s.detail.domain}</strong> lapsed, <a href={domainLink}>mark it abandoned</a> so its
            addresses can no longer recover accounts.
          </p>
        )}
      </section>
    </>
  );
}
