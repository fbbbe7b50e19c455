import type { PageContext } from "../../web/index.js";
import { EventDetails, Pager, TableScroll, Time } from "../../web/index.js";
import type { MfaState, UserDetail, UserRow } from "../users.js";
import { userCursor } from "../users.js";
import { type ActionState, FilterForm, FilterInput, userPath } from "./action-form.js";
import { ConsoleFrame } from "./layout.js";
import { UserActions } from "./user-actions.js";

const MFA_LABEL: Record<MfaState, string> = {
  none: "none",
  totp: "authenticator app",
  key: "security key",
};

const yes = (b: boolean) => (b ? "yes" : "no");

export function UsersPage(
  _ctx: PageContext,
  s: { q: string; users: UserRow[]; hasNewer: boolean; hasOlder: boolean },
) {
  const link = (dir: "after" | "before", u: UserRow | undefined) => {
    const params = new URLSearchParams(s.q ? { q: s.q } : {});
    if (u) params.set(dir, userCursor(u));
    return `/admin/users?${params}`;
  };
  return (
    <ConsoleFrame current="/admin/users">
      <h1>Users</h1>
      <FilterForm action="/admin/users" label="Search users">
        <FilterInput name="q" label="Username or email contains" value={s.q} type="search" />
      </FilterForm>
      <p class="muted">{s.q ? `Accounts matching “${s.q}”` : "The newest accounts"}, newest first.</p>
      {s.users.length === 0 && !s.hasNewer ? (
        <p>No account matches.</p>
      ) : (
        <TableScroll label="Accounts">
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Email</th>
              <th scope="col">Verified</th>
              <th scope="col">Admin</th>
              <th scope="col">State</th>
              <th scope="col">Two-factor</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {s.users.map((u) => (
              <tr key={u.id} data-user={u.username}>
                <td>
                  <a href={userPath(u.username)}>{u.username}</a>
                </td>
                <td>{u.email}</td>
                <td>{yes(u.emailVerified)}</td>
                <td>{u.isAdmin ? "admin" : ""}</td>
                <td>{u.isFrozen ? <span class="state">frozen</span> : "active"}</td>
                <td data-mfa={u.mfa}>{MFA_LABEL[u.mfa]}</td>
                <td>
                  <Time ms={u.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
      <Pager
        prevHref={s.hasNewer ? link("before", s.users[0]) : undefined}
        nextHref={s.hasOlder ? link("after", s.users.at(-1)) : undefined}
      />
    </ConsoleFrame>
  );
}

export type UserAction = "freeze" | "unfreeze" | "reset-mfa" | "revoke";

export interface UserPageState {
  detail: UserDetail;
  /** The signed-in admin is looking at their own account: freeze and reset are for another admin. */
  self: boolean;
  forms?: Partial<Record<UserAction, ActionState>>;
}

function Factors(p: { d: UserDetail }) {
  const f = p.d.factors;
  return (
    <section aria-labelledby="factors-h">
      <h2 id="factors-h">Two-factor authentication</h2>
      <ul>
        <li>
          Authenticator app:{" "}
          {f.totp ? (
            <>
              since <Time ms={f.totp.createdAt} />
            </>
          ) : (
            "none"
          )}
        </li>
        <li>Recovery codes left: {f.recoveryCodesRemaining}</li>
        <li>
          Security keys and passkeys: {f.keys.length === 0 ? "none" : f.keys.length}
          {f.keys.length > 0 && (
            <ul>
              {f.keys.map((k) => (
                <li key={k.id}>
                  {k.label} ({k.isPasskey ? "passkey" : "security key"}), added <Time ms={k.createdAt} />
                  {k.lastUsedAt !== null && (
                    <>
                      , last used <Time ms={k.lastUsedAt} />
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </li>
      </ul>
    </section>
  );
}

function Projects(p: { d: UserDetail }) {
  return (
    <section aria-labelledby="projects-h">
      <h2 id="projects-h">Projects and roles</h2>
      {p.d.projects.length === 0 ? (
        <p class="muted">No project.</p>
      ) : (
        <TableScroll label="Their projects">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Ecosystem</th>
              <th scope="col">Role</th>
            </tr>
          </thead>
          <tbody>
            {p.d.projects.map((r) => (
              <tr key={r.projectId}>
                <td>
                  <a href={`/admin/projects/${r.ecosystem}/${encodeURIComponent(r.name)}`}>{r.name}</a>
                </td>
                <td>{r.ecosystem}</td>
                <td>{r.role}</td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
    </section>
  );
}

/** The account at a glance: what an operator answering a ticket looks for first. */
function Summary(p: { d: UserDetail }) {
  const d = p.d;
  const f = d.factors;
  const passkeys = f.keys.filter((k) => k.isPasskey).length;
  const owner = d.projects.filter((r) => r.role === "owner").length;
  const flags = [
    d.user.isFrozen && "frozen",
    d.user.isAdmin && "admin",
    !d.user.emailVerified && "email not verified",
    d.domainAbandoned && `email domain ${d.domain} abandoned`,
    d.user.mfaRequiredAt && "must enrol a factor (recovered)",
  ].filter((x): x is string => Boolean(x));
  const strongest = f.phishingResistant ? "key" : f.enrolled ? "totp" : "none";
  return (
    <dl class="summary-grid" id="user-summary">
      <div data-summary="factor">
        <dt>Strongest factor</dt>
        <dd>{MFA_LABEL[strongest]}</dd>
      </div>
      <div data-summary="keys">
        <dt>Keys and passkeys</dt>
        <dd>
          {f.keys.length === 0
            ? "none"
            : `${f.keys.length} (${passkeys} passkey${passkeys === 1 ? "" : "s"})`}
        </dd>
      </div>
      <div data-summary="totp">
        <dt>Authenticator app · codes left</dt>
        <dd>
          {f.totp ? "yes" : "no"} · {f.recoveryCodesRemaining}
        </dd>
      </div>
      <div data-summary="projects">
        <dt>Projects</dt>
        <dd>{d.projects.length === 0 ? "none" : `${d.projects.length} (owner of ${owner})`}</dd>
      </div>
      <div data-summary="last-sign-in">
        <dt>Last sign-in</dt>
        <dd>{d.lastSignIn === null ? "never" : <Time ms={d.lastSignIn} />}</dd>
      </div>
      <div data-summary="sessions">
        <dt>Open sessions</dt>
        <dd id="stat-sessions">{d.openSessions}</dd>
      </div>
      <div data-summary="tokens">
        <dt>Active API tokens</dt>
        <dd id="stat-tokens">{d.activeTokens}</dd>
      </div>
      <div data-summary="recovery">
        <dt>Open recovery</dt>
        <dd>
          {d.openRecovery ? (
            <a class="flag" href={`/admin/recovery/${d.openRecovery.id}`}>
              {d.openRecovery.state}, since <Time ms={d.openRecovery.createdAt} />
            </a>
          ) : (
            "none"
          )}
        </dd>
      </div>
      <div data-summary="flags">
        <dt>Flags</dt>
        <dd class={flags.length ? "flag" : undefined}>{flags.length ? flags.join(", ") : "none"}</dd>
      </div>
    </dl>
  );
}

/** Events a page at a time, after a count of each kind (a busy account has thousands). */
function Events(p: { d: UserDetail }) {
  const d = p.d;
  const base = userPath(d.user.username);
  return (
    <section aria-labelledby="events-h">
      <h2 id="events-h">Security events</h2>
      {d.eventCounts.length > 0 && (
        <ul class="event-counts" id="event-counts" aria-label="Events by kind, all time">
          {d.eventCounts.map((c) => (
            <li key={c.type}>
              {c.label}: <b>{c.count}</b>
            </li>
          ))}
        </ul>
      )}
      {d.events.length === 0 ? (
        <p class="muted">No event.</p>
      ) : (
        <TableScroll label="Their events" id="user-events">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Details</th>
              <th scope="col">IP address</th>
            </tr>
          </thead>
          <tbody>
            {d.events.map((e) => (
              <tr key={e.id} data-event={e.type}>
                <td>
                  <Time ms={e.createdAt} />
                </td>
                <td>{e.label}</td>
                <td>
                  <EventDetails event={e} />
                </td>
                <td>{e.ip ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
      <nav class="pager" aria-label="Event pages">
        {d.olderEvents && (
          <a rel="next" id="older-events" href={`${base}?events_before=${d.olderEvents}#events-h`}>
            Older events →
          </a>
        )}{" "}
        <a href={`${base}#events-h`}>Newest events</a>
      </nav>
    </section>
  );
}

export function UserPage(ctx: PageContext, s: UserPageState) {
  const d = s.detail;
  return (
    <ConsoleFrame current="/admin/users">
      <p class="subnav">
        <a href="/admin/users">Users</a> /
      </p>
      <h1>
        {d.user.username}
        {d.user.isAdmin && (
          <>
            {" "}
            <span class="badge">admin</span>
          </>
        )}
        {d.user.isFrozen && (
          <>
            {" "}
            <span class="state">frozen</span>
          </>
        )}
      </h1>
      <dl class="meta">
        <dt>Email</dt>
        <dd>
          {d.user.email} ({d.user.emailVerified ? "verified" : "not verified"})
        </dd>
        <dt>Created</dt>
        <dd>
          <Time ms={d.user.createdAt} />
        </dd>
      </dl>
      <Summary d={d} />
      <Factors d={d} />
      <Projects d={d} />
      <Events d={d} />
      <UserActions ctx={ctx} s={s} />
    </ConsoleFrame>
  );
}
