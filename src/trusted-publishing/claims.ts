import type { ProvenanceClaims } from "../packages/index.js";
import { type Provider, publisherLabel, type TrustedPublisher } from "./publisher.js";

/** A verified OIDC token's payload (src/oidc checked signature, issuer, audience and times). */
export type Claims = Record<string, unknown>;

/** What a CI token says about where it runs, in one shape for both providers. */
export interface CiIdentity {
  repository: string | null;
  repositoryId: string | null;
  owner: string | null;
  ownerId: string | null;
  /** GitHub: the workflow file names from job_workflow_ref and workflow_ref; GitLab: the CI config path. */
  workflows: string[];
  environment: string | null;
  ref: string | null;
  sha: string | null;
  runId: string | null;
  runAttempt: string | null;
  /** The web page of the run, for provenance links. */
  runUrl: string | null;
}

const str = (v: unknown): string | null =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null;

/**
 * `owner/repo/.github/workflows/release.yml@refs/heads/main` → "release.yml", only when the path is
 * in `repository` (a reusable workflow of another repository does not name this repository's file).
 */
function githubWorkflowFile(ref: string | null, repository: string | null): string | null {
  if (!ref || !repository) return null;
  const at = ref.indexOf("@");
  const path = at >= 0 ? ref.slice(0, at) : ref;
  const prefix = `${repository}/.github/workflows/`;
  if (path.toLowerCase().startsWith(prefix.toLowerCase()) && !path.slice(prefix.length).includes("/"))
    return path.slice(prefix.length);
  return null;
}

/** `gitlab.com/acme/widget//.gitlab-ci.yml@refs/heads/main` → ".gitlab-ci.yml" when the project matches. */
function gitlabConfigPath(uri: string | null, projectPath: string | null): string | null {
  if (!uri || !projectPath) return null;
  const sep = uri.indexOf("//");
  const at = uri.lastIndexOf("@");
  if (sep < 0 || at < sep) return null;
  const host = uri.indexOf("/");
  if (uri.slice(host + 1, sep).toLowerCase() !== projectPath.toLowerCase()) return null;
  return uri.slice(sep + 2, at);
}

export function ciIdentity(provider: Provider, c: Claims): CiIdentity {
  if (provider === "github") {
    const repository = str(c.repository);
    const runId = str(c.run_id);
    const server = str(c.server_url) ?? "https://github.com";
    const workflows = [
      githubWorkflowFile(str(c.job_workflow_ref), repository),
      githubWorkflowFile(str(c.workflow_ref), repository),
    ].filter((w): w is string => w !== null);
    return {
      repository,
      repositoryId: str(c.repository_id),
      owner: str(c.repository_owner),
      ownerId: str(c.repository_owner_id),
      workflows: [...new Set(workflows)],
      environment: str(c.environment),
      ref: str(c.ref),
      sha: str(c.sha),
      runId,
      runAttempt: str(c.run_attempt),
      runUrl:
        repository && runId
          ? `${server}/${repository}/actions/runs/${runId}${str(c.run_attempt) ? `/attempts/${str(c.run_attempt)}` : ""}`
          : null,
    };
  }
  const repository = str(c.project_path);
  const config = gitlabConfigPath(str(c.ci_config_ref_uri), repository);
  const pipeline = str(c.pipeline_id);
  const iss = str(c.iss) ?? "https://gitlab.com";
  return {
    repository,
    repositoryId: str(c.project_id),
    owner: str(c.namespace_path),
    ownerId: str(c.namespace_id),
    workflows: config ? [config] : [],
    environment: str(c.environment),
    ref: str(c.ref),
    sha: str(c.sha),
    runId: pipeline,
    runAttempt: null,
    runUrl: repository && pipeline ? `${iss}/${repository}/-/pipelines/${pipeline}` : null,
  };
}

/** "repository acme/widget, workflow release.yml, environment —": how a refusal names the token. */
export function describeIdentity(provider: Provider, id: CiIdentity): string {
  const repo = provider === "github" ? "repository" : "project";
  const wf = provider === "github" ? "workflow" : "CI config";
  return `${repo} ${id.repository ?? "—"}, ${wf} ${id.workflows.join(" / ") || "—"}, environment ${id.environment ?? "—"}`;
}

/** The claims that matter, as the minted token carries them to the upload (packages/provenance.ts). */
export function provenanceClaims(p: TrustedPublisher, id: CiIdentity): ProvenanceClaims {
  return {
    publisherId: p.id,
    publisher: publisherLabel(p),
    provider: p.provider,
    issuer: p.issuer,
    repository: id.repository,
    workflow: id.workflows.includes(p.workflow) ? p.workflow : (id.workflows[0] ?? null),
    ref: id.ref,
    sha: id.sha,
    runId: id.runId,
    runAttempt: id.runAttempt,
    environment: id.environment,
    runUrl: id.runUrl,
  };
}
