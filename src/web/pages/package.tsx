import type { SecurityPosture } from "../../authz/index.js";
import { ecosystemFor } from "../../ecosystems/index.js";
import type { Member, Project, Provenance, Release } from "../../packages/index.js";
import { Time } from "../components.js";
import type { PageContext } from "../context.js";
import { Copyable } from "../copy.js";
import { humanSize } from "../format.js";
import { npmPackageHref } from "../hrefs.js";
import { httpUrl, type RenderedDescription } from "../markdown.js";
import { UsedBy } from "./dependents.js";
import { Description, ProjectHead, SecurityBox } from "./project-parts.js";
import { ProvenanceSection } from "./provenance.js";
import { ReportBox } from "./report.js";
import { type PendingList, PendingStaged } from "./staged.js";

export interface PackagePageState {
  origin: string;
  project: Project;
  /** Oldest to newest by SemVer precedence. */
  releases: Release[];
  /** The version in the URL, else the one `latest` names. */
  shown: Release | undefined;
  /** What `npm install <name>` installs: the `latest` dist-tag. */
  latest: Release | undefined;
  /** True on /package/<name>/v/<version>. */
  pinned: boolean;
  /** tag -> version, as `npm dist-tag ls` shows them. */
  distTags: Record<string, string>;
  members: Member[];
  description: RenderedDescription;
  /** Where the signed-in visitor manages the package, when they have a role on it. */
  manage: { href: string; label: string } | null;
  posture: SecurityPosture;
  /** "Used by N projects" and the dependents page. */
  usedBy: { count: number; href: string };
  /** Where the shown version was built, when a trusted publisher published it. */
  provenance: Provenance[];
  /** Staged versions waiting for approval: set for the package's maintainers only. */
  pending: PendingList | null;
}

const deprecation = (r: Release): string | null =>
  typeof r.metadata.deprecated === "string" && r.metadata.deprecated ? r.metadata.deprecated : null;

/** A manifest's `repository` ("github:x/y" shorthands are not links; git+https URLs are). */
function repositoryUrl(m: Record<string, unknown>): string | null {
  const repo = m.repository;
  const raw =
    typeof repo === "string"
      ? repo
      : typeof repo === "object" && repo
        ? (repo as { url?: unknown }).url
        : null;
  return typeof raw === "string" ? httpUrl(raw.replace(/^git\+/, "").replace(/\.git$/, "")) : null;
}

/**
 * How to point npm at this registry. The `/npm/` path prefix is part of the registry URL (npm keeps
 * it for every request); a scoped package needs only its scope mapped, so the public registry keeps
 * serving everything else.
 */
function Install(p: { origin: string; name: string; version: string | null }) {
  const scope = p.name.startsWith("@") ? p.name.slice(0, p.name.indexOf("/")) : null;
  const registry = `${p.origin}/npm/`;
  return (
    <section>
      <h2>Install</h2>
      <Copyable
        id="install-command"
        text={`npm install ${p.name}${p.version ? `@${p.version}` : ""}`}
        label="the install command"
        preClass="install"
        block
      />
      <p class="muted" id="registry-hint">
        {scope ? `Fetch ${scope} packages from this registry (in .npmrc):` : "Use this registry (in .npmrc):"}
      </p>
      <Copyable
        id="registry-setup"
        text={scope ? `${scope}:registry=${registry}` : `registry=${registry}`}
        label="the .npmrc line"
        preClass="install"
        block
      />
    </section>
  );
}

function Sidebar(p: { ctx: PageContext; s: PackagePageState }) {
  const { s } = p;
  const r = s.shown;
  const m = r?.metadata ?? {};
  const license = typeof m.license === "string" ? m.license.trim().slice(0, 100) : "";
  const home = httpUrl(m.homepage);
  const repo = repositoryUrl(m);
  const file = r?.files[0];
  const scope = s.project.name.startsWith("@") ? s.project.name.slice(1, s.project.name.indexOf("/")) : null;
  // The tarball URL npm downloads from (protocols/npm/paths.ts builds the same for the packument).
  const bare = s.project.name.slice(s.project.name.indexOf("/") + 1);
  const tarball = r ? `/npm/${s.project.name}/-/${bare}-${encodeURIComponent(r.version)}.tgz` : null;
  return (
    <aside class="sidebar" aria-label="Package information">
      <Install origin={s.origin} name={s.project.name} version={s.pinned && r ? r.version : null} />
      <SecurityBox posture={s.posture} />
      <UsedBy {...s.usedBy} />
      <section>
        <h2>Maintainers</h2>
        <ul class="plain" id="maintainers">
          {s.members.map((mb) => (
            <li key={mb.userId}>
              <a href={`/user/${encodeURIComponent(mb.username)}/`}>{mb.username}</a>{" "}
              {mb.role === "owner" && <span class="badge">owner</span>}
            </li>
          ))}
        </ul>
        {scope && (
          <p class="muted" id="scope-link">
            New packages under <a href={`/scopes/${encodeURIComponent(scope)}/`}>@{scope}</a> are created by
            the scope's owners.
          </p>
        )}
      </section>
      {(home || repo) && (
        <section>
          <h2>Links</h2>
          <ul class="plain">
            {home && (
              <li>
                <a href={home} rel="nofollow ugc noopener noreferrer">
                  Homepage
                </a>
              </li>
            )}
            {repo && (
              <li>
                <a href={repo} rel="nofollow ugc noopener noreferrer">
                  Repository
                </a>
              </li>
            )}
          </ul>
        </section>
      )}
      {r && (
        <section>
          <h2>Meta</h2>
          <dl class="meta">
            {license && (
              <>
                <dt>License</dt>
                <dd>{license}</dd>
              </>
            )}
            <dt>Published</dt>
            <dd>
              <Time ms={r.createdAt} />
            </dd>
            {file && tarball && (
              <>
                <dt>Tarball</dt>
                <dd>
                  <a href={tarball} download>
                    {`${bare}-${r.version}.tgz`}
                  </a>{" "}
                  <span class="muted" title={`${file.size} bytes`}>
                    {humanSize(file.size)}
                  </span>
                </dd>
                <dt>SHA-256</dt>
                <dd>
                  <code class="hash">{file.sha256}</code>
                </dd>
              </>
            )}
          </dl>
        </section>
      )}
      {!s.project.quarantinedAt && (
        <ReportBox ctx={p.ctx} ecosystem="npm" name={s.project.name} here={npmPackageHref(s.project.name)} />
      )}
    </aside>
  );
}

/** Every version, newest first by SemVer, with the dist-tags that name it and its deprecation. */
function Versions(p: { s: PackagePageState }) {
  const { s } = p;
  const { isPrerelease } = ecosystemFor("npm");
  const tagsOf = new Map<string, string[]>();
  for (const [tag, v] of Object.entries(s.distTags)) tagsOf.set(v, [...(tagsOf.get(v) ?? []), tag]);
  const tags = Object.entries(s.distTags).sort(([a], [b]) =>
    a === "latest" ? -1 : b === "latest" ? 1 : a.localeCompare(b),
  );
  return (
    <section aria-labelledby="versions-h" id="versions">
      <h2 id="versions-h">Versions</h2>
      {tags.length > 0 && (
        <>
          <h3>Tags</h3>
          <dl class="meta dist-tags" id="dist-tags">
            {tags.map(([tag, v]) => (
              <div key={tag} data-tag={tag}>
                <dt>{tag}</dt>
                <dd>
                  <a href={npmPackageHref(s.project.name, v)}>{v}</a>
                </dd>
              </div>
            ))}
          </dl>
          <h3>History</h3>
        </>
      )}
      <ol class="releases" id="version-list">
        {[...s.releases].reverse().map((r) => {
          const message = deprecation(r);
          return (
            <li key={r.id} data-version={r.version} class={message ? "deprecated" : undefined}>
              <a
                href={npmPackageHref(s.project.name, r.version)}
                aria-current={r === s.shown ? "page" : undefined}
              >
                {r.version}
              </a>{" "}
              <Time ms={r.createdAt} />{" "}
              {(tagsOf.get(r.version) ?? []).map((t) => (
                <span key={t} class={t === "latest" ? "badge ok" : "badge"}>
                  {t}
                </span>
              ))}{" "}
              {isPrerelease(r.version) && <span class="badge">pre-release</span>}{" "}
              {message && (
                <>
                  <span class="badge warn">deprecated</span>
                  <span class="yank-reason"> {message}</span>
                </>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** An npm package's public page: readme, install line, versions and tags, who maintains it. */
export function PackagePage(ctx: PageContext, s: PackagePageState) {
  const { project, shown, latest } = s;
  const message = shown ? deprecation(shown) : null;
  return (
    <>
      <ProjectHead project={project} shown={shown} manage={s.manage} />
      <PendingStaged pending={s.pending} />
      {shown && latest && shown !== latest && (
        <div class="alert info" role="note">
          You are viewing {project.name} {shown.version}. The latest version is{" "}
          <a href={npmPackageHref(project.name, latest.version)}>{latest.version}</a>.
        </div>
      )}
      {message && (
        <div class="alert error" role="note" id="deprecated-notice">
          This version is deprecated: {message}
        </div>
      )}
      <div class="project-layout">
        <Sidebar ctx={ctx} s={s} />
        <div class="project-main">
          {shown ? (
            <>
              <section aria-labelledby="readme-h" id="readme">
                <h2 id="readme-h">Readme</h2>
                <Description rendered={s.description} />
              </section>
              <ProvenanceSection items={s.provenance} />
              <Versions s={s} />
            </>
          ) : (
            <p class="muted">This package has no versions.</p>
          )}
        </div>
      </div>
    </>
  );
}
