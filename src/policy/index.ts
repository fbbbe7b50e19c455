import type { DbExecutor } from "../db/index.js";
import { getRole, type Project, type Role } from "../packages/index.js";
import { type TokenActor, tokenCovers } from "../tokens/index.js";

/**
 * The one question every surface asks before acting: may this actor do this action on this project
 * now, and if not, what must they do? The web pages, twine's upload and (later) npm all call
 * `decide`, then render the answer in their own dialect. The MFA-mandate rules will join here.
 */
export type Action = "upload" | "create-project" | "manage-people" | "manage-releases" | "manage-settings";

export interface Actor {
  userId: string;
  emailVerified: boolean;
  /** Present when the request authenticated with an API token rather than a browser session. */
  token?: TokenActor;
}

export type Decision =
  | { allow: true; role: Role | null; warning?: string }
  | { allow: false; status: number; code: string; reason: string; remedyUrl?: string };

const OWNER_ONLY: Action[] = ["manage-people", "manage-releases", "manage-settings"];

export async function decide(
  db: DbExecutor,
  origin: string,
  actor: Actor,
  action: Action,
  project: Project | null,
  _now: number,
): Promise<Decision> {
  if ((action === "upload" || action === "create-project") && !actor.emailVerified) {
    return deny(
      403,
      "EMAIL_UNVERIFIED",
      `Verify your account's email address before publishing: ${origin}/account/`,
      `${origin}/account/`,
    );
  }
  if (!project) {
    if (action !== "create-project") return deny(404, "PROJECT_NOT_FOUND", "No such project.");
    if (actor.token && actor.token.scope.kind !== "account") {
      return deny(
        403,
        "TOKEN_SCOPE",
        `A project-scoped token cannot create a new project. Use an account-wide token from ${origin}/account/tokens`,
        `${origin}/account/tokens`,
      );
    }
    return { allow: true, role: null };
  }
  if (actor.token && !tokenCovers(actor.token, project.id)) {
    return deny(
      403,
      "TOKEN_SCOPE",
      `This API token is not scoped to project '${project.name}'. Create a token for it at ${origin}/account/tokens`,
      `${origin}/account/tokens`,
    );
  }
  const role = await getRole(db, project.id, actor.userId);
  if (!role) {
    return deny(403, "NOT_A_MAINTAINER", `You are not an owner or maintainer of '${project.name}'.`);
  }
  if (OWNER_ONLY.includes(action) && role !== "owner") {
    return deny(403, "NOT_AN_OWNER", `Only owners of '${project.name}' can do that.`);
  }
  return { allow: true, role };
}

function deny(status: number, code: string, reason: string, remedyUrl?: string): Decision {
  return { allow: false, status, code, reason, ...(remedyUrl ? { remedyUrl } : {}) };
}
