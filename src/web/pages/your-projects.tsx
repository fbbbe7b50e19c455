import { type Paged, pageHref, pageLinks } from "../../lib/paging.js";
import type { Invitation, Role } from "../../packages/index.js";
import { Form, Pager, Submit, TableScroll, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { roleLabel, roleWithArticle } from "../format.js";
import { manageHref, projectHref } from "../hrefs.js";

export interface YourProjectsState {
  projects: Array<{ projectId: string; name: string; ecosystem: string; role: Role }>;
  invitations: Array<Invitation & { inviterName: string | null }>;
  page: Paged<unknown>;
}

function Invitations(p: { ctx: PageContext; invitations: YourProjectsState["invitations"] }) {
  return (
    <section class="card" aria-labelledby="invitations-h" id="invitations">
      <h2 id="invitations-h">Pending invitations</h2>
      <ul class="plain">
        {p.invitations.map((inv) => (
          <li key={inv.id} data-invitation={inv.id}>
            <p>
              {inv.inviterName ? <strong>{inv.inviterName}</strong> : "An owner"} invited you to be{" "}
              {roleWithArticle(inv.role)} of <strong>{inv.projectName}</strong>. The invitation expires on{" "}
              <Time ms={inv.expiresAt} />.
            </p>
            <Form
              action={`/account/invitations/${encodeURIComponent(inv.id)}/accept`}
              csrf={p.ctx.csrf}
              class="inline"
              label={`Accept the invitation to ${inv.projectName}`}
            >
              <Submit>Accept</Submit>
            </Form>{" "}
            <Form
              action={`/account/invitations/${encodeURIComponent(inv.id)}/decline`}
              csrf={p.ctx.csrf}
              class="inline"
              label={`Decline the invitation to ${inv.projectName}`}
            >
              <Submit kind="secondary">Decline</Submit>
            </Form>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function YourProjectsPage(ctx: PageContext, s: YourProjectsState) {
  return (
    <>
      <h1>Your projects</h1>
      {s.invitations.length > 0 && <Invitations ctx={ctx} invitations={s.invitations} />}
      {s.projects.length === 0 && !s.page.hasPrev ? (
        <p class="muted">
          You have no projects yet. Upload a first release with an <a href="/account/tokens">API token</a>, or
          accept an invitation from a project's owner.
        </p>
      ) : (
        <TableScroll label="Your projects">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Ecosystem</th>
              <th scope="col">Your role</th>
              <th scope="col">
                <span class="muted">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {s.projects.map((p) => {
              return (
                <tr key={p.projectId}>
                  <td>
                    <a href={projectHref(p)}>{p.name}</a>
                  </td>
                  <td>{p.ecosystem}</td>
                  <td>{roleLabel(p.role)}</td>
                  <td>
                    <a href={manageHref(p)}>{p.role === "owner" ? "Manage" : "View settings"}</a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </TableScroll>
      )}
      <Pager {...pageLinks(s.page, (n) => pageHref("/account/projects", {}, n))} />
      <p>
        To publish a new project from CI without a token, add a{" "}
        <a href="/account/publishing">pending trusted publisher</a> for its name.
      </p>
    </>
  );
}
