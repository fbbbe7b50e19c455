import { sql } from "kysely";
import type { DbExecutor } from "../db/index.js";
import { type EcosystemName, ecosystemFor } from "../ecosystems/index.js";
import type { AppError } from "../lib/errors.js";
import { findProject, getProjectById, type Project } from "../packages/index.js";
import { type CiIdentity, type Claims, ciIdentity, describeIdentity } from "./claims.js";
import { trustErrors } from "./errors.js";
import type { TrustedPublisher } from "./publisher.js";
import { toPublisher } from "./store.js";

export interface MatchInput {
  ecosystem: EcosystemName;
  projectName: string;
  /** The verified token's payload and its issuer (src/oidc verified both). */
  claims: Claims;
  issuer: string;
  /** For the "configure one at <url>" part of a refusal. */
  origin: string;
}

export type MatchResult =
  | {
      ok: true;
      publisher: TrustedPublisher;
      /** null for a pending publisher: the exchange creates the project. */
      project: Project | null;
      identity: CiIdentity;
      /** The ids to record: the publisher was added by name only and this is its first use. */
      recordIds: { repositoryId: string; repositoryOwnerId: string | null } | null;
    }
  | {
      ok: false;
      /** The claim that did not match ("repository", "repository_id", "workflow", ...), if one. */
      claim: string | null;
      message: string;
      error: AppError;
    };

type Check = { claim: string; ok: boolean; why: string };

const same = (a: string | null, b: string | null) =>
  a !== null && b !== null && a.toLowerCase() === b.toLowerCase();

/** Each test of one publisher against the token, in the order a refusal explains them. */
function checks(p: TrustedPublisher, id: CiIdentity): Check[] {
  const gh = p.provider === "github";
  const repoClaim = gh ? "repository" : "project_path";
  const idClaim = gh ? "repository_id" : "project_id";
  const ownerIdClaim = gh ? "repository_owner_id" : "namespace_id";
  return [
    { claim: repoClaim, ok: same(p.repository, id.repository), why: `${repoClaim} is not ${p.repository}` },
    {
      claim: idClaim,
      // A deleted-and-recreated repository keeps its name but gets a new id: the one recorded wins.
      ok: p.repositoryId === null ? id.repositoryId !== null : p.repositoryId === id.repositoryId,
      why: `${idClaim} ${id.repositoryId ?? "—"} is not ${p.repositoryId ?? "present"} (was the repository deleted and created again? remove and add the publisher again)`,
    },
    {
      claim: ownerIdClaim,
      ok: p.repositoryOwnerId === null || p.repositoryOwnerId === id.ownerId,
      why: `${ownerIdClaim} ${id.ownerId ?? "—"} is not ${p.repositoryOwnerId} (the owner account changed)`,
    },
    {
      claim: gh ? "workflow_ref" : "ci_config_ref_uri",
      ok: id.workflows.includes(p.workflow),
      why: `the ${gh ? "workflow" : "CI config"} is not ${p.workflow}`,
    },
    {
      claim: "environment",
      // No environment configured: any run of the workflow may publish (PyPI's rule).
      ok: p.environment === null || same(p.environment, id.environment),
      why: `environment ${id.environment ?? "—"} is not ${p.environment}`,
    },
  ];
}

/**
 * Which publisher of the project (or, when the project does not exist, which pending publisher of the
 * name) accepts this verified token. A refusal names what the token says and, for the publisher that
 * came closest, the first claim that did not match, and where to configure one.
 */
export async function matchPublisher(db: DbExecutor, input: MatchInput): Promise<MatchResult> {
  const eco = ecosystemFor(input.ecosystem);
  const normalized = eco.isValidName(input.projectName) ? eco.normalizeName(input.projectName) : null;
  const project = normalized ? await findProject(db, input.ecosystem, normalized) : null;
  const issuer = input.issuer.replace(/\/+$/, "");
  let q = db.selectFrom("trusted_publishers").selectAll().where("issuer", "=", issuer);
  q = project
    ? q.where("project_id", "=", project.id)
    : q
        .where("project_id", "is", null)
        .where("ecosystem", "=", input.ecosystem)
        .where("pending_normalized_name", "=", normalized ?? "");
  const candidates = (await q.orderBy("id").execute()).map(toPublisher);
  const name = project?.name ?? input.projectName;
  const where = project
    ? `${input.origin}/manage/project/${encodeURIComponent(project.name)}/`
    : `${input.origin}/account/publishing`;
  if (!project && candidates.length === 0) {
    const message = `No project '${name}' exists and no pending trusted publisher for this issuer creates it; add a pending publisher at ${where}`;
    return { ok: false, claim: null, message, error: trustErrors.PROJECT_NOT_FOUND(message) };
  }
  return pick(candidates, input.claims, name, where, () => Promise.resolve(project));
}

/** One publisher that accepts the token, with its project (null: a pending publisher creates it). */
export type Matched = Extract<MatchResult, { ok: true }>;

/**
 * PyPI's exchange names no project (`/_/oidc/mint-token` takes only the token): the publishers are found
 * by the token's repository among the ecosystem's publishers and pending publishers of this issuer.
 * One workflow may be the trusted publisher of several projects (a monorepo): as on PyPI, every
 * project whose publisher accepts the token is matched, so the minted token can upload to each of
 * them and to no other. A pending publisher counts only when no existing project matches (the oldest
 * wins), so one exchange never both creates a project and covers others.
 */
export async function matchPublishersByClaims(
  db: DbExecutor,
  input: Omit<MatchInput, "projectName">,
): Promise<{ ok: true; matches: Matched[] } | Extract<MatchResult, { ok: false }>> {
  const issuer = input.issuer.replace(/\/+$/, "");
  const repository = String(input.claims.repository ?? input.claims.project_path ?? "");
  const rows = await db
    .selectFrom("trusted_publishers")
    .selectAll()
    .where("issuer", "=", issuer)
    .where("ecosystem", "=", input.ecosystem)
    .where(sql<string>`lower(repository)`, "=", repository.toLowerCase())
    .orderBy("id")
    .execute();
  const candidates = rows.map(toPublisher);
  const where = `${input.origin}/account/publishing`;
  const accepting = candidates.filter((p) =>
    checks(p, ciIdentity(p.provider, input.claims)).every((c) => c.ok),
  );
  const existing = accepting.filter((p) => p.projectId !== null);
  const chosen = existing.length ? existing : accepting.slice(0, 1);
  const matches: Matched[] = [];
  const seen = new Set<string>();
  for (const p of chosen) {
    // Two publishers of one project accepting the same token (say, with and without an environment):
    // the project is covered once, by the oldest.
    if (p.projectId && seen.has(p.projectId)) continue;
    if (p.projectId) seen.add(p.projectId);
    const m = await pick([p], input.claims, "", where, async (q) =>
      q.projectId ? await getProjectById(db, q.projectId) : null,
    );
    // A project deleted meanwhile is left out (its publisher row goes with it).
    if (m.ok && (m.project || !p.projectId)) matches.push(m);
  }
  if (matches.length === 0) {
    // Nothing accepts the token: the refusal names the publisher that came closest.
    const refused = await pick(candidates, input.claims, "", where, () => Promise.resolve(null));
    if (!refused.ok) return refused;
  }
  return { ok: true, matches };
}

async function pick(
  candidates: TrustedPublisher[],
  claims: Claims,
  name: string,
  where: string,
  projectOf: (p: TrustedPublisher) => Promise<Project | null>,
): Promise<MatchResult> {
  let closest: { p: TrustedPublisher; failed: Check; passed: number } | null = null;
  for (const p of candidates) {
    const id = ciIdentity(p.provider, claims);
    const results = checks(p, id);
    const failed = results.find((c) => !c.ok);
    if (!failed) {
      const recordIds =
        p.repositoryId === null && id.repositoryId !== null
          ? { repositoryId: id.repositoryId, repositoryOwnerId: p.repositoryOwnerId ?? id.ownerId }
          : null;
      return { ok: true, publisher: p, project: await projectOf(p), identity: id, recordIds };
    }
    const passed = results.indexOf(failed);
    if (!closest || passed > closest.passed) closest = { p, failed, passed };
  }
  const provider = candidates[0]?.provider ?? (claims.project_path !== undefined ? "gitlab" : "github");
  const said = describeIdentity(provider, ciIdentity(provider, claims));
  const detail = closest && closest.passed > 0 ? ` (${closest.failed.why})` : "";
  const on = name ? ` on '${name}'` : "";
  const message = `No trusted publisher${on} matches ${said}${detail}; configure one at ${where}`;
  return {
    ok: false,
    claim: closest && closest.passed > 0 ? closest.failed.claim : candidates.length ? "repository" : null,
    message,
    error: trustErrors.NO_MATCHING_PUBLISHER(message),
  };
}
