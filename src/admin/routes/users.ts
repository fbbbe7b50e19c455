import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";

// Placeholder: replaced by the console section's real routes.
export function registerUserAdminRoutes(_app: FastifyInstance, _deps: Deps): void {}
