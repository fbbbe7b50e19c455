import type { Scope } from "../../packages/index.js";
import { Field, Form, Submit, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { npmPackageHref } from "../hrefs.js";

export interface ScopePageState {
  /** Without '@'. */
  name: string;
  /** null: nobody has claimed the scope yet. */
  scope: Scope | null;
  /** The user of the same name, who alone may claim an unclaimed scope. */
  namesake: string | null;
  packages: Array<{ id: string; name: string; createdAt: number }>;
  viewerIsOwner: boolean;
  addError?: string;
  addValue?: string;
}

/**
 * Who owns an npm scope, in public: the people who may create packages under @name (issue 11, HIGH 2 —
 * a look-alike account must not pass for the scope's owner). Owners manage the list here.
 */
export function ScopePage(ctx: PageContext, s: ScopePageState) {
  const base = `/scopes/${s.name}/`;
  return (
    <>
      <h1>Scope @{s.name}</h1>
      {s.scope ? (
        <p class="muted">
          npm scope, claimed <Time ms={s.scope.createdAt} />. Only its owners create new packages under @
          {s.name}; each package's own owners and maintainers publish its new versions.
        </p>
      ) : (
        <p class="muted" id="unclaimed">
          {s.namesake
            ? `Nobody has published under @${s.name} yet. It is reserved for the user ${s.namesake}: their first publish claims it.`
            : `Nobody has published under @${s.name} yet: the first person to publish a package into it becomes its owner.`}
        </p>
      )}
      <section aria-labelledby="owners-h" id="owners">
        <h2 id="owners-h">Owners</h2>
        {s.scope && s.scope.owners.length > 0 ? (
          <ul class="plain">
            {s.scope.owners.map((o) => (
              <li key={o.userId}>
                <a href={`/user/${encodeURIComponent(o.username)}/`}>{o.username}</a>{" "}
                <span class="muted">
                  since <Time ms={o.addedAt} />
                </span>
                {s.viewerIsOwner && s.scope!.owners.length > 1 && (
                  <Form
                    action={`${base}owners/remove`}
                    csrf={ctx.csrf}
                    class="inline"
                    label={`Remove ${o.username}`}
                  >
                    <input type="hidden" name="username" value={o.username} />
                    <Submit kind="secondary">Remove</Submit>
                  </Form>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">No owners.</p>
        )}
        {s.viewerIsOwner && (
          <Form action={`${base}owners/add`} csrf={ctx.csrf} label="Add a scope owner">
            <Field
              name="username"
              label="Add an owner (username)"
              value={s.addValue}
              error={s.addError}
              maxlength={50}
              hint="They may then create new packages under this scope. Adding someone to one package (npm owner add) does not."
            />
            <Submit>Add owner</Submit>
          </Form>
        )}
      </section>
      <section aria-labelledby="packages-h" id="packages">
        <h2 id="packages-h">Packages</h2>
        {s.packages.length === 0 ? (
          <p class="muted">No packages.</p>
        ) : (
          <ul class="plain project-list">
            {s.packages.map((p) => (
              <li key={p.id}>
                <a href={npmPackageHref(p.name)}>{p.name}</a>{" "}
                <span class="muted">
                  created <Time ms={p.createdAt} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
