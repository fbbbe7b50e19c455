import type { FastifyRequest } from "fastify";
import { getUser } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import type { EcosystemName } from "../../ecosystems/index.js";
import { isAppError } from "../../lib/errors.js";
import {
  checkPendingName,
  normalizePublisher,
  type Provider,
  type PublisherSpec,
  type TrustedPublisher,
} from "../../trusted-publishing/index.js";
import { choice, FieldErrors, fieldErrorsOf, readForm, required } from "../forms.js";
import type { PublisherRow } from "../pages/publishers.js";

/** The field prefix of each provider's form (two forms on one page must not share element ids). */
const PREFIX: Record<Provider, string> = { github: "gh_", gitlab: "gl_" };

export function parseProvider(value: string): Provider | null {
  return value === "github" || value === "gitlab" ? value : null;
}

export interface PublisherForm {
  provider: Provider;
  /** Unprefixed, as the page's FormState shows them again. */
  values: Record<string, string>;
  spec: PublisherSpec;
}

export function readPublisherForm(req: FastifyRequest, provider: Provider, pending = false): PublisherForm {
  const p = PREFIX[provider];
  const names = ["repository", "workflow", "environment", ...(pending ? ["project_name", "ecosystem"] : [])];
  const raw = readForm(
    req,
    names.map((n) => `${p}${n}`),
  );
  const values = Object.fromEntries(names.map((n) => [n, raw[`${p}${n}`] ?? ""]));
  return {
    provider,
    values,
    spec: {
      provider,
      repository: values.repository!,
      workflow: values.workflow!,
      environment: values.environment?.trim() || null,
    },
  };
}

/**
 * Every field's refusal at once, each the store's own rule (normalizePublisher) run on that field with
 * the others left valid, so page and store cannot drift apart. Pending forms also check the project
 * name as project creation would (checkPendingName).
 */
export async function checkPublisherForm(
  deps: Pick<Deps, "db" | "config">,
  f: PublisherForm,
  pendingFor?: string,
): Promise<void> {
  const gh = f.provider === "github";
  const valid = { repository: "a/b", workflow: gh ? "release.yml" : ".gitlab-ci.yml", environment: null };
  const rule = (field: keyof typeof valid) => () =>
    normalizePublisher({ ...valid, provider: f.provider, [field]: f.spec[field], createdBy: "" });
  const errors = fieldErrorsOf({
    repository: () => {
      required(
        f.values.repository!,
        gh ? "Enter the repository, as owner/name." : "Enter the project path.",
      )();
      rule("repository")();
    },
    workflow: () => {
      required(
        f.values.workflow!,
        gh ? "Enter the workflow's file name." : "Enter the CI configuration path.",
      )();
      rule("workflow")();
    },
    environment: rule("environment"),
    ecosystem:
      pendingFor !== undefined && choice(f.values.ecosystem!, ["pypi", "npm"], "Choose PyPI or npm."),
  });
  if (pendingFor !== undefined && !errors.ecosystem) {
    try {
      required(f.values.project_name!, "Enter the name of the project to create.")();
      await checkPendingName(deps, f.values.ecosystem as EcosystemName, f.values.project_name!, pendingFor);
    } catch (e) {
      if (!isAppError(e)) throw e;
      errors.project_name = e.message;
    }
  }
  if (Object.keys(errors).length > 0) throw new FieldErrors(errors);
}

/** The store's publishers as the pages show them, with the adders' usernames. */
export async function publisherRows(
  deps: Pick<Deps, "db">,
  list: TrustedPublisher[],
): Promise<PublisherRow[]> {
  const names = new Map<string, string | null>();
  for (const id of new Set(list.map((p) => p.createdBy)))
    names.set(id, (await getUser(deps.db, id))?.username ?? null);
  const publicIssuer = (p: TrustedPublisher) =>
    p.issuer ===
    (p.provider === "github" ? "https://token.actions.githubusercontent.com" : "https://gitlab.com");
  return list.map((p) => ({
    id: p.id,
    provider: p.provider,
    repository: p.repository,
    workflow: p.workflow,
    environment: p.environment,
    host: publicIssuer(p) ? null : new URL(p.issuer).host,
    addedBy: names.get(p.createdBy) ?? null,
    addedAt: p.createdAt,
    lastUsedAt: p.lastUsedAt,
    pinned: p.repositoryId !== null,
    ...(p.projectId === null ? { projectName: p.pendingProjectName ?? "", ecosystem: p.ecosystem } : {}),
  }));
}
