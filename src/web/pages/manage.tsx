import type { SecurityEvent } from "../../events/index.js";
import type { Invitation, Member, Project, Release, MfaLevel as Requirement } from "../../packages/index.js";
import { Field, Form, FormError, Submit, TableScroll, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { EventDetails } from "../event-details.js";
import { roleLabel } from "../format.js";
import { manageHref, projectHref, tokenForProjectHref } from "../hrefs.js";
import type { FormState } from "./auth.js";
import { PublishersSection } from "./manage-publishers.js";
import { type ReleaseFormState, ReleasesSection } from "./manage-releases.js";
import { SettingsSection } from "./manage-settings.js";
import { StagingSection, type StagingState } from "./manage-staging.js";
import { QuarantineBanner } from "./project-parts.js";
import type { PublisherForms, PublisherRow } from "./publishers.js";

export interface ManageState {
  project: Project;
  /** Owners manage; maintainers see the same page read-only. */
  canManage: boolean;
  viewerId: string;
  members: Member[];
  invitations: Invitation[];
  releases: Release[];
  events: SecurityEvent[];
  /** Usernames of the people named in events (actors), by user id. */
  usernames: Map<string, string>;
  invite?: FormState;
  forms?: ReleaseFormState;
  requirement: Requirement;
  settingsError?: string;
  staging: StagingState;
  stagingError?: string;
  publishers: PublisherRow[];
  publisherForms?: PublisherForms;
}

function People(p: { ctx: PageContext; s: ManageState; base: string }) {
  const { s } = p;
  return (
    <section aria-labelledby="people-h" id="people">
      <h2 id="people-h">People</h2>
      <TableScroll label="People">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">Since</th>
            <th scope="col">
              <span class="muted">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {s.members.map((m) => (
            <tr key={m.userId} data-member={m.username}>
              <td>
                <a href={`/user/${encodeURIComponent(m.username)}/`}>{m.username}</a>
                {m.userId === s.viewerId && <span class="muted"> (you)</span>}
              </td>
              <td>{roleLabel(m.role)}</td>
              <td>
                <Time ms={m.since} />
              </td>
              <td>
                {(s.canManage || m.userId === s.viewerId) && (
                  <Form
                    action={`${p.base}people/remove`}
                    csrf={p.ctx.csrf}
                    class="inline"
                    label={m.userId === s.viewerId ? "Leave the project" : `Remove ${m.username}`}
                  >
                    <input type="hidden" name="user_id" value={m.userId} />
                    <Submit kind="danger">{m.userId === s.viewerId ? "Leave project" : "Remove"}</Submit>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </TableScroll>
      {s.invitations.length > 0 && (
        <>
          <h3>Pending invitations</h3>
          <ul>
            {s.invitations.map((i) => (
              <li key={i.id} data-invitation={i.username}>
                {i.username} as {roleLabel(i.role)} — expires <Time ms={i.expiresAt} />
              </li>
            ))}
          </ul>
        </>
      )}
      {s.canManage && (
        <div class="card">
          <h3>Invite someone</h3>
          <Form action={`${p.base}invite`} csrf={p.ctx.csrf} label="Invite a collaborator">
            <FormError message={s.invite?.error} />
            <Field
              name="username"
              label="Username"
              value={s.invite?.values?.username}
              error={s.invite?.errors?.username}
              hint="They get an email and join the project when they accept."
              autocomplete="off"
              maxlength={50}
            />
            <div class={s.invite?.errors?.role ? "field has-error" : "field"}>
              <label for="role">Role</label>
              <select
                id="role"
                name="role"
                aria-describedby={s.invite?.errors?.role ? "role-hint role-error" : "role-hint"}
                aria-invalid={s.invite?.errors?.role ? "true" : undefined}
              >
                <option value="maintainer" selected={s.invite?.values?.role !== "owner"}>
                  Maintainer
                </option>
                <option value="owner" selected={s.invite?.values?.role === "owner"}>
                  Owner
                </option>
              </select>
              <p class="hint" id="role-hint">
                Maintainers upload releases. Owners also manage people and releases.
              </p>
              {s.invite?.errors?.role && (
                <p class="field-error" id="role-error" role="alert">
                  {s.invite.errors.role}
                </p>
              )}
            </div>
            <Submit>Send invitation</Submit>
          </Form>
        </div>
      )}
    </section>
  );
}

function History(p: { s: ManageState }) {
  return (
    <section aria-labelledby="project-history-h" id="security-history">
      <h2 id="project-history-h">Security history</h2>
      {p.s.events.length === 0 ? (
        <p class="muted">Nothing yet.</p>
      ) : (
        <TableScroll label="Project history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">By</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {p.s.events.map((e) => (
              <tr key={e.id} data-event={e.type}>
                <td>
                  <Time ms={e.createdAt} />
                </td>
                <td>{e.label}</td>
                <td>
                  {typeof e.data.via === "string"
                    ? e.data.via
                    : typeof e.data.actor === "string"
                      ? (p.s.usernames.get(e.data.actor) ?? "")
                      : ""}
                </td>
                <td>
                  <EventDetails event={e} omit={["project", "via"]} />
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
    </section>
  );
}

export function ManagePage(ctx: PageContext, s: ManageState) {
  const base = manageHref(s.project);
  const npm = s.project.ecosystem === "npm";
  const gem = s.project.ecosystem === "rubygems";
  const noun = npm ? "package" : gem ? "gem" : "project";
  return (
    <>
      <h1>Manage {s.project.name}</h1>
      <p>
        <a href={projectHref(s.project)}>View the {noun} page</a> ·{" "}
        <a href={tokenForProjectHref(s.project)} id="token-for-project">
          Create a token for this {noun}
        </a>
      </p>
      <nav class="subnav" aria-label="Sections">
        <a href="#people">People</a> <a href="#settings">Publishing security</a>{" "}
        <a href="#staging">Staged releases</a> <a href="#publishing">Trusted publishers</a>{" "}
        <a href="#releases">{npm || gem ? "Versions" : "Releases"}</a>{" "}
        <a href="#security-history">Security history</a>
      </nav>
      {s.project.quarantinedAt && <QuarantineBanner reason={s.project.quarantineReason} />}
      {!s.canManage && !s.project.quarantinedAt && (
        <div class="alert info" role="note" id="read-only">
          Only owners can manage {s.project.name}. As a maintainer you can upload releases; ask an owner to
          change people or releases.
        </div>
      )}
      <People ctx={ctx} s={s} base={base} />
      <SettingsSection
        ctx={ctx}
        base={base}
        requirement={s.requirement}
        canManage={s.canManage}
        error={s.settingsError}
      />
      <StagingSection
        ctx={ctx}
        base={base}
        staging={s.staging}
        canManage={s.canManage}
        error={s.stagingError}
      />
      <PublishersSection
        ctx={ctx}
        base={base}
        npm={npm}
        name={s.project.name}
        rows={s.publishers}
        canManage={s.canManage}
        forms={s.publisherForms ?? {}}
      />
      {npm ? (
        // Yanking is PyPI's; npm versions are deprecated or unpublished (within its window) with the CLI.
        <section class="card" id="releases" aria-labelledby="releases-h">
          <h2 id="releases-h">Versions</h2>
          <p>
            Deprecate a version with <code>npm deprecate {s.project.name}@&lt;version&gt; "message"</code>,
            move a tag with <code>npm dist-tag add</code>, or remove a new version with{" "}
            <code>npm unpublish</code>. The <a href={projectHref(s.project)}>package page</a> lists them all.
          </p>
        </section>
      ) : gem ? (
        // A yanked gem version is gone for good (its number is never pushed again): the gem CLI does it.
        <section class="card" id="releases" aria-labelledby="releases-h">
          <h2 id="releases-h">Versions</h2>
          <p>
            Yank a version with <code>gem yank {s.project.name} -v &lt;version&gt;</code> (with{" "}
            <code>--host</code> naming this registry's <code>/rubygems</code>): it leaves the index and
            downloads, and its number is never pushed again. The <a href={projectHref(s.project)}>gem page</a>{" "}
            lists every version.
          </p>
        </section>
      ) : (
        <ReleasesSection
          ctx={ctx}
          base={base}
          releases={s.releases}
          canManage={s.canManage}
          forms={s.forms ?? {}}
        />
      )}
      <History s={s} />
    </>
  );
}
