import type { DbExecutor } from "../db/index.js";
import { factorSummary } from "./factors.js";

/** The factor strength a mandate or a project asks for. */
export type Strength = "any" | "phishing-resistant";

export interface ActorStrength {
  any: boolean;
  phishingResistant: boolean;
}

export async function actorStrength(db: DbExecutor, userId: string): Promise<ActorStrength> {
  const f = await factorSummary(db, userId);
  return { any: f.enrolled, phishingResistant: f.phishingResistant };
}

export function meets(s: ActorStrength, required: Strength | "none"): boolean {
  return required === "none" || (required === "any" ? s.any : s.phishingResistant);
}

export const describeStrength = (s: Strength) =>
  s === "phishing-resistant" ? "a security key or passkey" : "two-factor authentication";
