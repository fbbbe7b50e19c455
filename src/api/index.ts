/**
 * Wharf's own JSON API under /api/ (beside the web pages and the package protocols): operators'
 * simulation and mandates, and every project's public security posture.
 */
export { registerMandatesApi } from "./mandates.js";
export { registerPolicyApi } from "./policy.js";
export { registerPostureApi } from "./posture.js";
