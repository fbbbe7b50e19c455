/**
 * Authorization: the one decision every surface asks before acting on a project (role, token scope,
 * verified email, the project's MFA requirement, active mandates), the Grant that proves it, and the
 * posture it is judged on. Domain mutators take a Grant (as a type only: nothing in packages/ or
 * tokens/ imports authz at runtime, so authz may use them).
 */
export { ACTIONS, type Action, GATED_ACTIONS } from "./actions.js";
export { type AuthzDeps, authorize, type Decision, decide } from "./decide.js";
export { authzErrors } from "./errors.js";
export type { Actor, Grant, TokenGrantScope } from "./grant.js";
export { type SecurityPosture, securityPosture } from "./posture.js";
export { authorizeTokenCreation } from "./tokens.js";
export {
  type Denial,
  type MfaVerdict,
  mfaVerdict,
  type StageRequirement,
  stagingVerdict,
} from "./verdict.js";
