import type { ComponentChildren } from "preact";
import type { SecurityPosture } from "../../authz/index.js";
import { isPrerelease } from "../../ecosystems/pypi/index.js";
import { plural } from "../../lib/plural.js";
import { type FileRecord, fileUrl, type Member, type Project, type Release } from "../../packages/index.js";
import { TableScroll, Time } from "../components.js";
import { Copyable } from "../copy.js";
import { humanSize } from "../format.js";
import { httpUrl, type RenderedDescription } from "../markdown.js";
import { UsedBy } from "./dependents.js";

/** The uploader's description: Markdown as sanitised HTML, anything else verbatim in a <pre>. */
export function Description(p: { rendered: RenderedDescription }) {
  if (!p.rendered) return <p class="muted">The author of this package has not provided a description.</p>;
  if (p.rendered.kind === "text")
    return (
      <>
        {p.rendered.note && <p class="muted">{p.rendered.note}</p>}
        <pre class="description-text">{p.rendered.text}</pre>
      </>
    );
  return (
    <div
      class="description"
      // Safe by construction: markdown-it with html:false and a scheme allow-list (render/markdown.ts,
      // web/markdown.security.test.ts), rendered at publish and stored. The only raw HTML on any page.
      dangerouslySetInnerHTML={{ __html: p.rendered.html }}
    />
  );
}

function projectLinks(release: Release | undefined): Array<{ label: string; url: string }> {
  if (!release) return [];
  const m = release.metadata;
  const out: Array<{ label: string; url: string }> = [];
  const home = httpUrl(m.homePage);
  if (home) out.push({ label: "Homepage", url: home });
  const urls = Array.isArray(m.projectUrls)
    ? (m.projectUrls as Array<{ label?: unknown; url?: unknown }>)
    : [];
  for (const u of urls) {
    const url = httpUrl(u.url);
    if (url && typeof u.label === "string") out.push({ label: u.label, url });
  }
  return out;
}

/** Account security at a glance: counts only, from /api/projects/<eco>/<name>/security. */
export function SecurityBox(p: { posture: SecurityPosture }) {
  const s = p.posture;
  return (
    <section aria-labelledby="security-h" id="security">
      <h2 id="security-h">Account security</h2>
      <ul class="plain">
        {s.critical && (
          <li>
            <span class="badge warn">critical project</span>
          </li>
        )}
        <li>
          {s.maintainers_with_mfa} of {plural(s.maintainers, "maintainer")}{" "}
          {s.maintainers_with_mfa === 1 || s.maintainers === 1 ? "uses" : "use"} two-factor authentication
          {s.maintainers_with_phishing_resistant_mfa > 0 &&
            `, ${s.maintainers_with_phishing_resistant_mfa} with a security key or passkey`}
        </li>
        {s.requirement !== "none" && (
          <li>
            Publishing requires{" "}
            {s.requirement === "phishing-resistant"
              ? "a security key or passkey"
              : "two-factor authentication"}
          </li>
        )}
        {s.mandates.map((m) => (
          <li key={m.name}>
            {m.name}:{" "}
            {m.phase === "enforce"
              ? "enforced"
              : `${m.phase} phase, enforced from ${m.enforce_at.slice(0, 10)}`}
          </li>
        ))}
        <li>
          {s.fully_protected ? (
            <span class="badge ok">fully protected</span>
          ) : (
            <span class="badge">not fully protected</span>
          )}
        </li>
      </ul>
    </section>
  );
}

/**
 * The head of a project's page in every ecosystem: name, the version shown, its summary, the link to
 * the project's settings for its people, and the quarantine notice when there is one.
 */
export function ProjectHead(p: {
  project: Pick<Project, "name" | "quarantinedAt" | "quarantineReason">;
  shown: { version: string; summary: string | null } | null | undefined;
  manage: { href: string; label: string } | null | undefined;
}) {
  return (
    <>
      <header class="project-head">
        <h1>
          {p.project.name} {p.shown && <span class="version">{p.shown.version}</span>}
        </h1>
        {p.shown?.summary && <p class="summary">{p.shown.summary}</p>}
        {p.manage && (
          <p>
            <a href={p.manage.href}>{p.manage.label}</a>
          </p>
        )}
      </header>
      {p.project.quarantinedAt && <QuarantineBanner reason={p.project.quarantineReason} />}
    </>
  );
}

/**
 * What the owners of a quarantined project read on its pages (nobody else sees them): why, what it
 * means, and whom to ask (issue 18 item 5).
 */
export function QuarantineBanner(p: { reason: string | null | undefined }) {
  const why = (p.reason ?? "under review by the registry's operators").replace(/\.$/, "");
  return (
    <div class="alert error" role="note" id="quarantine-notice">
      This project is quarantined: {why}. It is hidden from installers and cannot be changed until an operator
      reviews it. Contact the registry's operators if you think this is a mistake.
    </div>
  );
}

export function Sidebar(p: {
  origin: string;
  name: string;
  release: Release | undefined;
  pinned: boolean;
  members: Member[];
  posture: SecurityPosture;
  /** More sections at the end (the report box). */
  children?: ComponentChildren;
  usedBy: { count: number; href: string };
}) {
  const license = typeof p.release?.metadata.license === "string" ? p.release.metadata.license.trim() : "";
  const links = projectLinks(p.release);
  const spec = p.pinned && p.release ? `${p.name}==${p.release.version}` : p.name;
  return (
    <aside class="sidebar" aria-label="Project information">
      <section>
        <h2>Install</h2>
        <Copyable
          id="install-command"
          text={`pip install --index-url ${p.origin}/simple/ ${spec}`}
          label="the install command"
          preClass="install"
          block
        />
      </section>
      <SecurityBox posture={p.posture} />
      <UsedBy {...p.usedBy} />
      <section>
        <h2>Maintainers</h2>
        <ul class="plain">
          {p.members.map((m) => (
            <li key={m.userId}>
              <a href={`/user/${encodeURIComponent(m.username)}/`}>{m.username}</a>
            </li>
          ))}
        </ul>
      </section>
      {links.length > 0 && (
        <section>
          <h2>Project links</h2>
          <ul class="plain">
            {links.map((l) => (
              <li key={l.url}>
                <a href={l.url} rel="nofollow ugc noopener noreferrer">
                  {l.label}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {p.release && (
        <section>
          <h2>Meta</h2>
          <dl class="meta">
            {p.release.requiresPython && (
              <>
                <dt>Requires Python</dt>
                <dd>
                  <code>{p.release.requiresPython}</code>
                </dd>
              </>
            )}
            {license && (
              <>
                <dt>License</dt>
                <dd>
                  {license.length > 80 || license.includes("\n") ? (
                    <details>
                      <summary>{license.split("\n")[0]!.slice(0, 60)}…</summary>
                      <pre>{license}</pre>
                    </details>
                  ) : (
                    license
                  )}
                </dd>
              </>
            )}
            <dt>Released</dt>
            <dd>
              <Time ms={p.release.createdAt} />
            </dd>
          </dl>
        </section>
      )}
      {p.children}
    </aside>
  );
}

export function ReleaseHistory(p: {
  projectPath: string;
  releases: Release[];
  shown: Release | undefined;
  latest: Release | undefined;
}) {
  const newestFirst = [...p.releases].reverse();
  return (
    <section aria-labelledby="history-h" id="history">
      <h2 id="history-h">Release history</h2>
      <ol class="releases">
        {newestFirst.map((r) => (
          <li key={r.id} class={r.yankedAt !== null ? "yanked" : undefined}>
            <a
              href={`${p.projectPath}${encodeURIComponent(r.version)}/`}
              aria-current={r === p.shown ? "page" : undefined}
            >
              {r.version}
            </a>{" "}
            <Time ms={r.createdAt} /> {r === p.latest && <span class="badge ok">latest</span>}{" "}
            {isPrerelease(r.version) && <span class="badge">pre-release</span>}{" "}
            {r.yankedAt !== null && (
              <>
                <span class="badge warn">yanked</span>
                {r.yankedReason && <span class="yank-reason"> Reason: {r.yankedReason}</span>}
              </>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function fileType(f: FileRecord): string {
  return f.packagetype === "bdist_wheel" ? "Wheel" : f.packagetype === "sdist" ? "Source" : f.packagetype;
}

export function FileList(p: { release: Release }) {
  return (
    <section aria-labelledby="files-h" id="files">
      <h2 id="files-h">Files for {p.release.version}</h2>
      {p.release.files.length === 0 ? (
        <p class="muted">This release has no files.</p>
      ) : (
        <TableScroll label="Files" class="files">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Type</th>
              <th scope="col">Size</th>
              <th scope="col">Uploaded</th>
              <th scope="col">Hashes</th>
            </tr>
          </thead>
          <tbody>
            {p.release.files.map((f) => (
              <tr key={f.id}>
                <td>
                  <a href={fileUrl(f)} download>
                    {f.filename}
                  </a>
                </td>
                <td>{fileType(f)}</td>
                <td>
                  <span title={`${f.size} bytes`}>{humanSize(f.size)}</span>
                </td>
                <td>
                  <Time ms={f.uploadedAt} />
                </td>
                <td class="hashes">
                  SHA256 <code class="hash">{f.sha256}</code>
                  <details>
                    <summary>More hashes</summary>
                    <dl>
                      <dt>BLAKE2b-256</dt>
                      <dd>
                        <code class="hash">{f.blake2b256}</code>
                      </dd>
                      <dt>MD5</dt>
                      <dd>
                        <code class="hash">{f.md5}</code>
                      </dd>
                    </dl>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
    </section>
  );
}
