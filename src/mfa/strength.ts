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

/**
 * actorStrength for many users at once, two queries per 500 ids: a mandate's audience or a simulation
 * covers thousands of people, and three queries per person made the notice job and the simulation
 * grow with the cohort in round trips. Same answer as actorStrength (TOTP or any key: any; a key:
 * phishing-resistant).
 */
export async function actorStrengths(
  db: DbExecutor,
  userIds: readonly string[],
): Promise<Map<string, ActorStrength>> {
  const out = new Map<string, ActorStrength>(
    userIds.map((id) => [id, { any: false, phishingResistant: false }]),
  );
  for (let i = 0; i < userIds.length; i += 500) {
    const batch = userIds.slice(i, i + 500);
    const totp = await db
      .selectFrom("totp_credentials")
      .select("user_id")
      .where("user_id", "in", batch)
      .execute();
    for (const t of totp) {
      const s = out.get(t.user_id);
      if (s) s.any = true;
    }
    const keys = await db
      .selectFrom("webauthn_credentials")
      .select("user_id")
      .distinct()
      .where("user_id", "in", batch)
      .execute();
    for (const k of keys) {
      const s = out.get(k.user_id);
      if (s) {
        s.any = true;
        s.phishingResistant = true;
      }
    }
  }
  return out;
}

export function meets(s: ActorStrength, required: Strength | "none"): boolean {
  return required === "none" || (required === "any" ? s.any : s.phishingResistant);
}

export const describeStrength = (s: Strength) =>
  s === "phishing-resistant" ? "a security key or passkey" : "two-factor authentication";
