import type { SecurityPosture } from "../../authz/index.js";
import { ecosystemFor } from "../../ecosystems/index.js";
import { gemPlatformOf } from "../../ecosystems/rubygems/index.js";
import type { Member, Project, Release } from "../../packages/index.js";
import { Time } from "../components.js";
import type { PageContext } from "../context.js";
import { Copyable } from "../copy.js";
import { humanSize } from "../format.js";
import { gemHref } from "../hrefs.js";
import { httpUrl, type RenderedDescription } from "../markdown.js";
import { UsedBy } from "./dependents.js";
import { Description, ProjectHead, SecurityBox } from "./project-parts.js";
import { ReportBox } from "./report.js";

export interface GemDependency {
  name: string;
  requirement: string;
  /** The dependency's page when the gem is hosted here (else the name is plain text, not a dead link). */
  href: string | null;
}

export interface GemPageState {
  origin: string;
  project: Project;
  /** Oldest to newest by Gem::Version order, yanked ones included (shown as yanked). */
  releases: Release[];
  /** The version in the URL, else the latest. */
  shown: Release | undefined;
  /** What `gem install <name>` installs: the newest live release (a prerelease only if all are). */
  latest: Release | undefined;
  /** True on /gems/<name>/versions/<version>. */
  pinned: boolean;
  members: Member[];
  description: RenderedDescription;
  /** The shown version's dependencies, from its gemspec. */
  dependencies: { runtime: GemDependency[]; development: GemDependency[] };
  /** The newest version's gemspec sets `rubygems_mfa_required`: every owner's writes need a factor. */
  mfaRequired: boolean;
  manage: { href: string; label: string } | null;
  posture: SecurityPosture;
  usedBy: { count: number; href: string };
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x !== "") : [];

/**
 * The Gemfile requirement to suggest: `~> MAJOR.MINOR` of a final release (what `bundle add` writes),
 * the exact version for a prerelease or a pinned page (a pessimistic prerelease constraint would also
 * accept the next final release's prereleases).
 */
export function gemfileRequirement(version: string, exact: boolean): string {
  if (exact || ecosystemFor("rubygems").isPrerelease(version)) return version;
  const numeric = version.split(".").filter((s) => /^\d+$/.test(s));
  return `~> ${numeric.slice(0, 2).join(".") || version}`;
}

/**
 * How to install from this registry. `--clear-sources` keeps gem from asking rubygems.org for a gem of
 * the same name (dependency confusion); a Gemfile `source` block does the same for Bundler while the
 * rest of the Gemfile keeps its own source.
 */
function Install(p: { origin: string; name: string; version: string | null; gemfile: string }) {
  const source = `${p.origin}/rubygems/`;
  const pin = p.version ? ` -v ${p.version}` : "";
  const pre = p.version && ecosystemFor("rubygems").isPrerelease(p.version) ? " --pre" : "";
  return (
    <section>
      <h2>Install</h2>
      <Copyable
        id="install-command"
        text={`gem install ${p.name}${pin}${pre} --clear-sources --source ${source}`}
        label="the gem install command"
        preClass="install"
        block
      />
      <p class="muted" id="gemfile-hint">
        Or in a Gemfile:
      </p>
      <Copyable
        id="gemfile-block"
        text={`source "${source}" do\n  gem "${p.name}", "${p.gemfile}"\nend`}
        label="the Gemfile lines"
        preClass="install"
        block
      />
    </section>
  );
}

function Dependencies(p: { title: string; id: string; list: GemDependency[] }) {
  if (p.list.length === 0) return null;
  return (
    <>
      <h3>{p.title}</h3>
      <ul class="plain" id={p.id}>
        {p.list.map((d) => (
          <li key={d.name} data-dependency={d.name}>
            {d.href ? <a href={d.href}>{d.name}</a> : d.name} <code>{d.requirement}</code>
          </li>
        ))}
      </ul>
    </>
  );
}

function Meta(p: { s: GemPageState }) {
  const r = p.s.shown;
  if (!r) return null;
  const m = r.metadata;
  const licenses = strings(m.licenses).map((l) => l.slice(0, 100));
  const authors = strings(m.authors).map((a) => a.slice(0, 100));
  const ruby = typeof m.requiredRubyVersion === "string" ? m.requiredRubyVersion : ">= 0";
  const rubygems = typeof m.requiredRubygemsVersion === "string" ? m.requiredRubygemsVersion : ">= 0";
  return (
    <section>
      <h2>Meta</h2>
      <dl class="meta">
        {licenses.length > 0 && (
          <>
            <dt>License</dt>
            <dd>{licenses.join(", ")}</dd>
          </>
        )}
        {authors.length > 0 && (
          <>
            <dt>Authors</dt>
            <dd>{authors.join(", ")}</dd>
          </>
        )}
        <dt>Required Ruby</dt>
        <dd>
          <code>{ruby}</code>
        </dd>
        {rubygems !== ">= 0" && (
          <>
            <dt>Required RubyGems</dt>
            <dd>
              <code>{rubygems}</code>
            </dd>
          </>
        )}
        <dt>Pushed</dt>
        <dd>
          <Time ms={r.createdAt} />
        </dd>
        {!r.yankedAt &&
          r.files.map((f) => (
            <div key={f.id} class="gem-file" data-file={f.filename}>
              <dt>{gemPlatformOf(f.filename, p.s.project.name, r.version)}</dt>
              <dd>
                <a href={`/rubygems/gems/${encodeURIComponent(f.filename)}`} download>
                  {f.filename}
                </a>{" "}
                <span class="muted" title={`${f.size} bytes`}>
                  {humanSize(f.size)}
                </span>
                <br />
                SHA-256 <code class="hash">{f.sha256}</code>
              </dd>
            </div>
          ))}
      </dl>
    </section>
  );
}

function Sidebar(p: { ctx: PageContext; s: GemPageState }) {
  const { s } = p;
  const r = s.shown;
  const home = httpUrl(r?.metadata.homepage);
  const gemfile = r ? gemfileRequirement(r.version, s.pinned) : ">= 0";
  return (
    <aside class="sidebar" aria-label="Gem information">
      <Install
        origin={s.origin}
        name={s.project.name}
        version={s.pinned && r ? r.version : null}
        gemfile={gemfile}
      />
      <SecurityBox posture={s.posture} />
      {s.mfaRequired && (
        <p id="gem-mfa-required" class="muted">
          <span class="badge ok">MFA required</span> The gemspec sets <code>rubygems_mfa_required</code>:
          every owner needs a second factor to push, yank or change owners.
        </p>
      )}
      <UsedBy {...s.usedBy} />
      <section>
        <h2>Owners</h2>
        <ul class="plain" id="maintainers">
          {s.members.map((mb) => (
            <li key={mb.userId}>
              <a href={`/user/${encodeURIComponent(mb.username)}/`}>{mb.username}</a>{" "}
              {mb.role !== "owner" && <span class="badge">{mb.role}</span>}
            </li>
          ))}
        </ul>
      </section>
      {home && (
        <section>
          <h2>Links</h2>
          <ul class="plain">
            <li>
              <a href={home} rel="nofollow ugc noopener noreferrer">
                Homepage
              </a>
            </li>
          </ul>
        </section>
      )}
      <Meta s={s} />
      {!s.project.quarantinedAt && (
        <ReportBox ctx={p.ctx} ecosystem="rubygems" name={s.project.name} here={gemHref(s.project.name)} />
      )}
    </aside>
  );
}

/** Every version, newest first, with its platforms; prereleases and yanked versions marked. */
function Versions(p: { s: GemPageState }) {
  const { s } = p;
  const { isPrerelease } = ecosystemFor("rubygems");
  return (
    <section aria-labelledby="versions-h" id="versions">
      <h2 id="versions-h">Versions</h2>
      <ol class="releases" id="version-list">
        {[...s.releases].reverse().map((r) => (
          <li key={r.id} data-version={r.version} class={r.yankedAt ? "yanked" : undefined}>
            <a href={gemHref(s.project.name, r.version)} aria-current={r === s.shown ? "page" : undefined}>
              {r.version}
            </a>{" "}
            <Time ms={r.createdAt} />{" "}
            {r.files.map((f) => (
              <span key={f.id} class="badge platform">
                {gemPlatformOf(f.filename, s.project.name, r.version)}
              </span>
            ))}{" "}
            {r === s.latest && <span class="badge ok">latest</span>}{" "}
            {isPrerelease(r.version) && <span class="badge">pre-release</span>}{" "}
            {r.yankedAt && <span class="badge warn">yanked</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** A gem's public page: description, install lines, dependencies, versions, owners and MFA posture. */
export function GemPage(ctx: PageContext, s: GemPageState) {
  const { project, shown, latest } = s;
  const deps = s.dependencies;
  return (
    <>
      <ProjectHead project={project} shown={shown} manage={s.manage} />
      {shown && latest && shown !== latest && (
        <div class="alert info" role="note">
          You are viewing {project.name} {shown.version}. The latest version is{" "}
          <a href={gemHref(project.name, latest.version)}>{latest.version}</a>.
        </div>
      )}
      {shown?.yankedAt && (
        <div class="alert error" role="note" id="yanked-notice">
          This version was yanked: it is no longer installable, and its number is never used again.
        </div>
      )}
      <div class="project-layout">
        <Sidebar ctx={ctx} s={s} />
        <div class="project-main">
          {shown ? (
            <>
              <section aria-labelledby="readme-h" id="readme">
                <h2 id="readme-h">Description</h2>
                <Description rendered={s.description} />
              </section>
              <section aria-labelledby="dependencies-h" id="dependencies">
                <h2 id="dependencies-h">Dependencies</h2>
                {deps.runtime.length + deps.development.length === 0 ? (
                  <p class="muted">None.</p>
                ) : (
                  <>
                    <Dependencies title="Runtime" id="runtime-dependencies" list={deps.runtime} />
                    <Dependencies title="Development" id="development-dependencies" list={deps.development} />
                  </>
                )}
              </section>
              <Versions s={s} />
            </>
          ) : (
            <p class="muted">This gem has no versions.</p>
          )}
        </div>
      </div>
    </>
  );
}
