import type { DbExecutor } from "../db/index.js";
import type { Project } from "../packages/index.js";
import type { TokenActor } from "../tokens/index.js";
import { authzErrors } from "./errors.js";
import { type Denial, denial } from "./verdict.js";

/**
 * The decision for a trusted publisher's token (issue 16): a machine, so its own actor kind.
 * - It uploads, and nothing else: no tokens, people, settings, tags, yanks or deletions.
 * - Only to the projects it was minted for (one, or several when one workflow publishes a monorepo's
 *   projects), and only while the publisher that let it into that project is still configured there
 *   (removing the token's first publisher also revokes it; this is the second lock, per project).
 * - No interactive second factor is asked: CI cannot give one, and PyPI and npm allow trusted
 *   publishing under their 2FA requirements — the OIDC token from the provider, checked against a
 *   publisher the owners configured under sudo, stands in for it. Policy that wants a person in the
 *   loop (staged releases) recognises this kind by `actorKind` and requires approval instead.
 * Quarantine still freezes the project for it as for everyone.
 */
export async function decidePublisher(
  db: DbExecutor,
  origin: string,
  token: TokenActor,
  action: string,
  project: Project | null,
): Promise<{ allow: true; role: null; actorKind: "trusted-publisher" } | Denial> {
  const label = token.publisher?.label ?? "trusted publisher";
  if (action !== "upload" || !project) {
    const msg =
      action === "create-project"
        ? `The trusted publisher ${label} can only upload to the project it was configured for; to create a new project from CI, add a pending publisher at ${origin}/account/publishing`
        : `A trusted publisher (${label}) can only upload; use an owner's account to change anything else.`;
    return denial(authzErrors.PUBLISHER_UPLOAD_ONLY(msg));
  }
  if (project.quarantinedAt)
    return denial(
      authzErrors.QUARANTINED(
        `Project '${project.name}' is quarantined and cannot be changed until the registry's operators review it.`,
      ),
    );
  const scoped = token.scope.kind === "projects" && token.scope.projectIds.includes(project.id);
  const configured =
    scoped &&
    (await db
      .selectFrom("trusted_publishers")
      .select("id")
      .where("id", "=", token.publisher?.byProject[project.id] ?? token.publisher?.id ?? "")
      .where("project_id", "=", project.id)
      .executeTakeFirst());
  if (!configured)
    return denial(
      authzErrors.TOKEN_SCOPE(
        `This trusted publishing token (${label}) is not for project '${project.name}'; configure a trusted publisher at ${origin}/manage/project/${encodeURIComponent(project.name)}/`,
      ),
    );
  return { allow: true, role: null, actorKind: "trusted-publisher" };
}
