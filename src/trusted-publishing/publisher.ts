import type { EcosystemName } from "../ecosystems/index.js";

export type Provider = "github" | "gitlab";

/** A trusted publisher as the rest of the server sees it (store.ts maps rows to this). */
export interface TrustedPublisher {
  id: string;
  /** null while pending: the project does not exist yet (see pendingProjectName). */
  projectId: string | null;
  ecosystem: EcosystemName;
  /** The project a pending publisher will create, reserved for `createdBy`; null once it exists. */
  pendingProjectName: string | null;
  provider: Provider;
  issuer: string;
  /** GitHub "owner/repo"; GitLab "namespace/…/project" (the token's project_path). */
  repository: string;
  /** The provider's immutable id, recorded on first use when added by name only. */
  repositoryId: string | null;
  /** GitHub repository_owner; GitLab namespace_path. */
  repositoryOwner: string;
  repositoryOwnerId: string | null;
  /** GitHub: workflow file name ("release.yml"); GitLab: CI config path (".gitlab-ci.yml"). */
  workflow: string;
  /** null: any environment (or none). */
  environment: string | null;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
}

/** How history, events and token names show a publisher: "github:acme/widget release.yml". */
export function publisherLabel(
  p: Pick<TrustedPublisher, "provider" | "repository" | "workflow" | "environment">,
): string {
  return `${p.provider}:${p.repository} ${p.workflow}${p.environment ? ` (environment ${p.environment})` : ""}`;
}
