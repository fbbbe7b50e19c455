import { type Paged, pageHref, pageLinks } from "../../lib/paging.js";
import { plural } from "../../lib/plural.js";
import { Pager } from "../components.js";
import type { PageContext } from "../context.js";

/**
 * "Used by N projects" on a project's page (both ecosystems), linking to its dependents page: what
 * criticality by dependents ranks (issue 18 item 4). N counts the hosted projects whose latest release
 * depends on it (src/dependents/), kept current on every publish, yank and unpublish.
 */
export function UsedBy(p: { count: number; href: string }) {
  return (
    <section aria-labelledby="used-by-h" id="used-by">
      <h2 id="used-by-h">Dependents</h2>
      {p.count === 0 ? (
        <p class="muted" id="used-by-text">
          No project here depends on it.
        </p>
      ) : (
        <p id="used-by-text">
          Used by <a href={p.href}>{plural(p.count, "project")}</a>
        </p>
      )}
    </section>
  );
}

export interface DependentsState {
  ecosystem: string;
  /** The project as its page names it, and that page's address. */
  name: string;
  projectHref: string;
  /** The same list as JSON (`/api/projects/<ecosystem>/<name>/dependents`), every page of it. */
  apiHref: string;
  /** This page's address without the query (the pager adds `?page=N`). */
  path: string;
  count: number;
  projects: Array<{ name: string; href: string }>;
  page: Paged<unknown>;
}

/** `/project/<name>/dependents/` and `/package/<name>/dependents`: the dependents, by name, a page at a time. */
export function DependentsPage(_ctx: PageContext, s: DependentsState) {
  return (
    <>
      <h1>
        Projects that depend on <a href={s.projectHref}>{s.name}</a>
      </h1>
      <p class="muted">
        Projects hosted here whose latest release depends on {s.name} (
        {s.ecosystem === "npm"
          ? "dependencies, peer and optional dependencies"
          : "Requires-Dist without an extra"}
        ). As JSON, for scripts: <a href={s.apiHref}>{s.apiHref}</a>
      </p>
      {s.projects.length === 0 && !s.page.hasPrev ? (
        <p role="status">No project here depends on {s.name}.</p>
      ) : (
        <>
          <p role="status">
            {plural(s.count, "project")} depend{s.count === 1 ? "s" : ""} on {s.name}
            {(s.page.hasPrev || s.page.hasNext) && `; page ${s.page.page}`}.
          </p>
          <ul class="plain project-list" id="dependents">
            {s.projects.map((p) => (
              <li key={p.href}>
                <a href={p.href}>{p.name}</a>
              </li>
            ))}
          </ul>
        </>
      )}
      <Pager
        {...pageLinks(s.page, (n) => pageHref(s.path, {}, n))}
        note={s.page.capped ? "Later pages: see the JSON list." : undefined}
      />
    </>
  );
}
