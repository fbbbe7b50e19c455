import type { Role } from "../packages/index.js";
import type { TokenActor } from "../tokens/index.js";
import type { Action } from "./actions.js";
import { authzErrors } from "./errors.js";
import type { StageRequirement } from "./verdict.js";

export interface Actor {
  userId: string;
  emailVerified: boolean;
  /** Present when the request authenticated with an API token rather than a browser session. */
  token?: TokenActor;
}

/** What a token-creation grant allows: the token asked for, exactly (compared by the token service). */
export interface TokenGrantScope {
  projectIds: string[] | null;
  npmScopes: string[];
  readonly: boolean;
}

interface GrantFields {
  actor: Actor;
  action: Action;
  /** null for a project about to be created, and for tokens (see `token`). */
  projectId: string | null;
  role: Role | null;
  warning?: string;
  warnMandates?: string[];
  token?: TokenGrantScope;
  stage?: StageRequirement;
}

// Only this module holds the key, and only authorize() is given `mintGrant`: nothing else can make one.
const KEY = Symbol("authz grant");

/**
 * Proof that authorize() said yes: actor, action, project, role, and the mandate warning to pass on.
 * Domain mutators take one instead of deciding themselves, and check it names their action and
 * project, so a grant for one project can never act on another. The private field makes the type
 * nominal: a look-alike object literal does not type-check as a Grant.
 */
export class Grant {
  readonly #minted = true;
  readonly actor: Actor;
  readonly action: Action;
  readonly projectId: string | null;
  readonly role: Role | null;
  readonly warning?: string;
  readonly warnMandates?: string[];
  readonly token?: TokenGrantScope;
  /**
   * The staging rule in force (staging/): on an upload, it must be staged for a maintainer's approval;
   * on approve-staged, how strong the approver's factor must be.
   */
  readonly stage?: StageRequirement;

  constructor(key: symbol, f: GrantFields) {
    if (key !== KEY || !this.#minted)
      throw authzErrors.GRANT_MISMATCH("A grant comes only from authorize().");
    this.actor = f.actor;
    this.action = f.action;
    this.projectId = f.projectId;
    this.role = f.role;
    if (f.warning) this.warning = f.warning;
    if (f.warnMandates) this.warnMandates = f.warnMandates;
    if (f.token) this.token = f.token;
    if (f.stage) this.stage = f.stage;
    Object.freeze(this);
  }

  /**
   * Throws unless this grant allows one of `actions` on `projectId` (null: a project being created or
   * a token). Called first thing by every mutator.
   */
  require(actions: Action | readonly Action[], projectId: string | null): this {
    const list: readonly Action[] = typeof actions === "string" ? [actions] : actions;
    if (!list.includes(this.action) || this.projectId !== projectId)
      throw authzErrors.GRANT_MISMATCH(
        `Internal error: a grant for ${this.action} was used for ${list.join("/")} on another project.`,
      );
    return this;
  }
}

export function mintGrant(f: GrantFields): Grant {
  return new Grant(KEY, f);
}
