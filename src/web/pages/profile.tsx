import { type Paged, pageHref, pageLinks } from "../../lib/paging.js";
import type { Role } from "../../packages/index.js";
import { Pager, Time } from "../components.js";
import type { PageContext } from "../context.js";
import { roleLabel } from "../format.js";
import { projectHref } from "../hrefs.js";

/** Public only: the username, when they joined and their projects. Never the email address. */
export interface ProfileState {
  username: string;
  memberSince: number;
  projects: Array<{ projectId: string; name: string; ecosystem: string; role: Role }>;
  page: Paged<unknown>;
}

export function ProfilePage(_ctx: PageContext, s: ProfileState) {
  return (
    <>
      <h1>{s.username}</h1>
      <p class="muted">
        Member since <Time ms={s.memberSince} />
      </p>
      <h2>Projects</h2>
      {s.projects.length === 0 && !s.page.hasPrev ? (
        <p class="muted">{s.username} does not maintain any projects.</p>
      ) : (
        <ul class="plain project-list">
          {s.projects.map((p) => {
            return (
              <li key={p.projectId}>
                <a href={projectHref(p)}>{p.name}</a> <span class="badge">{roleLabel(p.role)}</span>{" "}
                {p.ecosystem !== "pypi" && <span class="badge">{p.ecosystem}</span>}
              </li>
            );
          })}
        </ul>
      )}
      <Pager {...pageLinks(s.page, (n) => pageHref(`/user/${encodeURIComponent(s.username)}/`, {}, n))} />
    </>
  );
}

export interface SearchResult {
  projectId: string;
  name: string;
  ecosystem: string;
  href: string | null;
  version: string | null;
  summary: string | null;
}

export function SearchPage(
  _ctx: PageContext,
  s: { query: string; results: SearchResult[]; page: Paged<unknown> },
) {
  return (
    <>
      <h1>Search projects</h1>
      <search>
        <form method="get" action="/search" class="search-form" aria-label="Search projects">
          <label for="search-q">Project name</label>
          <div class="row">
            <input type="search" id="search-q" name="q" value={s.query} maxlength={100} />
            <button type="submit" class="button primary">
              Search
            </button>
          </div>
        </form>
      </search>
      {s.query === "" ? (
        <p class="muted">Type part of a project's name.</p>
      ) : s.results.length === 0 && !s.page.hasPrev ? (
        <p role="status">No projects match “{s.query}”.</p>
      ) : (
        <>
          <p role="status">
            {s.page.hasPrev || s.page.hasNext || s.page.capped
              ? `Projects matching “${s.query}”, page ${s.page.page}.`
              : `${s.results.length === 1 ? "1 project matches" : `${s.results.length} projects match`} “${s.query}”.`}
          </p>
          <ul class="plain results">
            {s.results.map((r) => (
              <li key={r.projectId} class="result">
                <h2>
                  {r.href ? <a href={r.href}>{r.name}</a> : r.name}{" "}
                  {r.version && <span class="version">{r.version}</span>}{" "}
                  {r.ecosystem !== "pypi" && <span class="badge">{r.ecosystem}</span>}
                </h2>
                {r.summary && <p>{r.summary}</p>}
              </li>
            ))}
          </ul>
          <Pager {...pageLinks(s.page, (n) => pageHref("/search", { q: s.query }, n))} />
        </>
      )}
    </>
  );
}
