/**
 * Wharf's own JSON API under /api/ (beside the web pages and the package protocols): operators'
 * simulation and mandates, and every project's public security posture.
 */
import type { FastifyInstance } from "fastify";
import type { Deps } from "../deps.js";
import { registerDependentsApi } from "./dependents.js";
import { registerMandatesApi } from "./mandates.js";
import { registerPolicyApi } from "./policy.js";
import { registerPostureApi } from "./posture.js";
import { registerProjectsApi } from "./projects.js";
import { registerReportsApi } from "./reports.js";
import { registerSecretScanningApi } from "./secret-scanning.js";

export {
  registerDependentsApi,
  registerMandatesApi,
  registerPolicyApi,
  registerPostureApi,
  registerProjectsApi,
  registerReportsApi,
  registerSecretScanningApi,
};

export async function registerApi(app: FastifyInstance, deps: Deps): Promise<void> {
  registerPostureApi(app, deps);
  registerProjectsApi(app, deps);
  registerDependentsApi(app, deps);
  registerReportsApi(app, deps);
  registerPolicyApi(app, deps);
  registerMandatesApi(app, deps);
  await registerSecretScanningApi(app, deps);
}
