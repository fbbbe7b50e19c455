/**
 * Authorization: the one decision every surface asks before acting on a project (role, token scope,
 * verified email, the project's MFA requirement, active mandates), and the posture it is judged on.
 */
export { type Action, type Actor, type Decision, decide, type MfaVerdict, mfaVerdict } from "./decide.js";
export { type SecurityPosture, securityPosture } from "./posture.js";
export { getMfaRequirement, type Requirement, setMfaRequirement } from "./requirement.js";
