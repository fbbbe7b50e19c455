import type { FileRecord, Provenance } from "../../packages/index.js";

/**
 * Where a version or file was built (issue 16 item 4), as the trusted publisher's OIDC token said it:
 * repository, workflow, ref, commit, run and environment, with links to the commit and the run. Shown
 * on the release page of PyPI projects (per file: files of one release may come from several runs)
 * and on the version page of npm packages.
 */

// Links come from claims of a verified token, but an operator-added issuer could put anything in
// server_url: only plain http(s) links are drawn, anything else is shown as text.
const web = (u: string | null): string | null => (u && /^https?:\/\/[^\s"<>]+$/.test(u) ? u : null);
const HEX = /^[0-9a-f]{7,64}$/i;
const PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;

function commitUrl(p: Provenance): string | null {
  const run = web(p.runUrl);
  if (!run || !p.sha || !HEX.test(p.sha) || !p.repository || !PATH.test(p.repository)) return null;
  const origin = new URL(run).origin;
  return p.provider === "gitlab"
    ? `${origin}/${p.repository}/-/commit/${p.sha}`
    : `${origin}/${p.repository}/commit/${p.sha}`;
}

function runLabel(p: Provenance): string {
  const what = p.provider === "gitlab" ? "Pipeline" : "Run";
  if (!p.runId) return "the run";
  return `${what} ${p.runId}${p.runAttempt && p.runAttempt !== "1" ? ` (attempt ${p.runAttempt})` : ""}`;
}

function One(p: { item: Provenance; files?: string[] }) {
  const x = p.item;
  const run = web(x.runUrl);
  const commit = commitUrl(x);
  return (
    <div class="provenance-item" data-provenance={x.runId ?? ""}>
      {p.files && p.files.length > 0 && (
        <p class="muted">
          {p.files.map((f, i) => (
            <>
              {i > 0 && ", "}
              <code>{f}</code>
            </>
          ))}
        </p>
      )}
      <dl class="details">
        <div>
          <dt>Built on</dt>
          <dd>{x.provider === "gitlab" ? "GitLab CI/CD" : "GitHub Actions"}</dd>
        </div>
        <div>
          <dt>Repository</dt>
          <dd>
            <code>{x.repository ?? "—"}</code>
          </dd>
        </div>
        <div>
          <dt>{x.provider === "gitlab" ? "CI configuration" : "Workflow"}</dt>
          <dd>
            <code>{x.workflow ?? "—"}</code>
          </dd>
        </div>
        {x.ref && (
          <div>
            <dt>Ref</dt>
            <dd>
              <code>{x.ref}</code>
            </dd>
          </div>
        )}
        {x.sha && (
          <div>
            <dt>Commit</dt>
            <dd>
              {commit ? (
                <a href={commit}>
                  <code>{x.sha.slice(0, 12)}</code>
                </a>
              ) : (
                <code>{x.sha}</code>
              )}
            </dd>
          </div>
        )}
        <div>
          <dt>{x.provider === "gitlab" ? "Pipeline" : "Run"}</dt>
          <dd>{run ? <a href={run}>{runLabel(x)}</a> : (x.runId ?? "—")}</dd>
        </div>
        <div>
          <dt>Environment</dt>
          <dd>{x.environment ? <code>{x.environment}</code> : <span class="muted">none</span>}</dd>
        </div>
      </dl>
    </div>
  );
}

/** Provenance of one release; nothing when it was not published through a trusted publisher. */
export function ProvenanceSection(p: { items: Provenance[]; files?: FileRecord[] }) {
  if (p.items.length === 0) return null;
  // Files built by the same run are shown together (a wheel and an sdist from one job).
  const groups = new Map<string, { item: Provenance; files: string[] }>();
  for (const item of p.items) {
    const key = `${item.runUrl}|${item.sha}|${item.workflow}`;
    const file = p.files?.find((f) => f.id === item.fileId)?.filename;
    const g = groups.get(key) ?? { item, files: [] };
    if (file) g.files.push(file);
    groups.set(key, g);
  }
  const several = groups.size > 1;
  return (
    <section aria-labelledby="provenance-h" id="provenance" class="card">
      <h2 id="provenance-h">Provenance</h2>
      <p>
        Published by a trusted publisher: the CI run below proved who it was with its provider's OpenID
        Connect token, without any stored secret.
      </p>
      {[...groups.values()].map((g) => (
        <One
          key={`${g.item.runUrl}${g.item.sha}`}
          item={g.item}
          files={several || p.files ? g.files : undefined}
        />
      ))}
    </section>
  );
}
