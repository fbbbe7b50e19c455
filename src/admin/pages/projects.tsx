import { ecosystemFor } from "../../ecosystems/index.js";
import { type Paged, pageHref, pageLinks } from "../../lib/paging.js";
import type { Ecosystem, Project } from "../../packages/index.js";
import { type PageContext, Pager, projectHref, TableScroll, Time } from "../../web/index.js";
import type { ProjectDetail, ProjectRow } from "../projects.js";
import { ECOSYSTEMS, MB } from "../projects.js";
import { ActionCard, type ActionState, FilterForm, FilterInput, userPath } from "./action-form.js";
import { ConsoleFrame } from "./layout.js";

export const ECOSYSTEM_LABEL = Object.fromEntries(
  ECOSYSTEMS.map((e) => [e, ecosystemFor(e).label]),
) as Record<Ecosystem, string>;
export const projectPath = (p: Pick<Project, "ecosystem" | "name">) =>
  `/admin/projects/${p.ecosystem}/${encodeURIComponent(p.name)}`;

function limitText(bytes: number | null, defaultMb: number): string {
  return bytes === null ? `registry default (${defaultMb} MB)` : `${Math.round(bytes / MB)} MB`;
}

/** An ecosystem <select>; `any` adds the "both" choice filters need. */
export function EcosystemSelect(p: { id: string; value: string; any?: boolean; error?: string }) {
  return (
    <div class={p.error ? "field has-error" : "field"}>
      <label for={p.id}>Ecosystem</label>
      <select id={p.id} name="ecosystem" aria-invalid={p.error ? "true" : undefined}>
        {p.any && (
          <option value="" selected={p.value === ""}>
            Every ecosystem
          </option>
        )}
        {ECOSYSTEMS.map((e) => (
          <option key={e} value={e} selected={p.value === e}>
            {ECOSYSTEM_LABEL[e]}
          </option>
        ))}
      </select>
      {p.error && (
        <p class="field-error" role="alert">
          {p.error}
        </p>
      )}
    </div>
  );
}

export function ProjectsPage(
  _ctx: PageContext,
  s: { q: string; ecosystem: string; projects: ProjectRow[]; defaultMb: number; page: Paged<unknown> },
) {
  return (
    <ConsoleFrame current="/admin/projects">
      <h1>Projects</h1>
      <p>
        <a href="/admin/projects/prohibited">Prohibited names</a>
      </p>
      <FilterForm action="/admin/projects" label="Search projects">
        <FilterInput name="q" label="Name contains" value={s.q} type="search" />
        <EcosystemSelect id="filter-ecosystem" value={s.ecosystem} any />
      </FilterForm>
      {s.projects.length === 0 && !s.page.hasPrev ? (
        <p>No project matches.</p>
      ) : (
        <TableScroll label="Projects">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Ecosystem</th>
              <th scope="col">Critical</th>
              <th scope="col">Upload limit</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {s.projects.map((p) => (
              <tr key={p.id} data-project={`${p.ecosystem}/${p.normalizedName}`}>
                <td>
                  <a href={projectPath(p)}>{p.name}</a>
                </td>
                <td>{ECOSYSTEM_LABEL[p.ecosystem]}</td>
                <td>{p.critical ? <span class="state">critical</span> : ""}</td>
                <td>{limitText(p.uploadLimitBytes, s.defaultMb)}</td>
                <td>
                  <Time ms={p.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
      <Pager
        {...pageLinks(s.page, (n) => pageHref("/admin/projects", { q: s.q, ecosystem: s.ecosystem }, n))}
      />
    </ConsoleFrame>
  );
}

function LimitForm(p: { ctx: PageContext; d: ProjectDetail; state?: ActionState }) {
  const error = p.state?.errors?.limit_mb;
  const current = p.d.project.uploadLimitBytes;
  const value = p.state?.values?.limit_mb ?? (current === null ? "" : String(Math.round(current / MB)));
  const hint =
    p.d.project.ecosystem === "npm"
      ? `1 to ${p.d.ceilingMb}. npm publishes cannot exceed the registry default, which sizes their request limit.`
      : `1 to ${p.d.ceilingMb}.`;
  return (
    <ActionCard
      ctx={p.ctx}
      id="upload-limit"
      title="Upload size limit"
      action={`${projectPath(p.d.project)}/upload-limit`}
      button="Set limit"
      state={p.state}
    >
      <p>Now: {limitText(current, p.d.defaultLimitMb)}. Leave the field empty for the registry default.</p>
      <div class={error ? "field has-error" : "field"}>
        <label for="limit_mb">Limit per file, in MB</label>
        <p class="hint" id="limit_mb-hint">
          {hint}
        </p>
        <input
          id="limit_mb"
          name="limit_mb"
          type="number"
          min={1}
          max={p.d.ceilingMb}
          value={value}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? "limit_mb-hint limit_mb-error" : "limit_mb-hint"}
        />
        {error && (
          <p class="field-error" id="limit_mb-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </ActionCard>
  );
}

export function ProjectPage(ctx: PageContext, s: { detail: ProjectDetail; limitForm?: ActionState }) {
  const d = s.detail;
  const p = d.project;
  return (
    <ConsoleFrame current="/admin/projects">
      <p class="subnav">
        <a href="/admin/projects">Projects</a> /
      </p>
      <h1>
        {p.name} <span class="badge">{ECOSYSTEM_LABEL[p.ecosystem]}</span>{" "}
        {d.critical && <span class="state">critical</span>}
      </h1>
      <p>
        <a href={projectHref(p)} id="public-page">
          Public page
        </a>
      </p>
      <dl class="meta">
        <dt>Created</dt>
        <dd>
          <Time ms={p.createdAt} />
        </dd>
        <dt>Critical</dt>
        <dd id="critical">
          {d.critical ? (
            <>
              since <Time ms={d.critical.since} /> (
              {d.critical.manual ? "designated by an admin" : "by downloads"}
              {d.critical.reason ? `: ${d.critical.reason}` : ""})
            </>
          ) : (
            "no"
          )}
        </dd>
        <dt>Upload limit</dt>
        <dd id="upload-limit-now">{limitText(p.uploadLimitBytes, d.defaultLimitMb)}</dd>
        {d.prohibited && (
          <>
            <dt>Name</dt>
            <dd>Prohibited for new projects (this one existed before and is not affected).</dd>
          </>
        )}
      </dl>
      <h2>Owners and maintainers</h2>
      {d.members.length === 0 ? (
        <p class="muted">Nobody has a role on this project.</p>
      ) : (
        <TableScroll label="Members">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {d.members.map((m) => (
              <tr key={m.userId} data-member={m.username}>
                <td>
                  <a href={userPath(m.username)}>{m.username}</a>
                </td>
                <td>{m.role}</td>
                <td>
                  <Time ms={m.since} />
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
      <h2>Recent events</h2>
      {d.events.length === 0 ? (
        <p class="muted">No event.</p>
      ) : (
        <ul class="plain">
          {d.events.map((e) => (
            <li key={e.id}>
              <Time ms={e.createdAt} /> {e.label}
              {typeof e.data.version === "string" ? ` ${e.data.version}` : ""}
            </li>
          ))}
        </ul>
      )}
      <LimitForm ctx={ctx} d={d} state={s.limitForm} />
      {!d.prohibited && (
        <p>
          <a
            href={`/admin/projects/prohibited?ecosystem=${p.ecosystem}&name=${encodeURIComponent(p.normalizedName)}`}
          >
            Prohibit this name for new projects
          </a>
        </p>
      )}
    </ConsoleFrame>
  );
}
