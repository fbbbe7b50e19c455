import { isIPv4 } from "node:net";
import type { DbExecutor } from "../db/index.js";
import { tokenErrors } from "./errors.js";

/** `a.b.c.d/n` → [network, mask] as unsigned 32-bit numbers, or null when malformed. */
function parseCidr(cidr: string): [number, number] | null {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || !isIPv4(m[1]!) || Number(m[2]) > 32) return null;
  const bits = Number(m[2]);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return [(ipv4ToNumber(m[1]!) & mask) >>> 0, mask];
}

function ipv4ToNumber(ip: string): number {
  return ip.split(".").reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

/** Validates a CIDR allow-list from a client (npm sends IPv4 only); returns it normalized. */
export function normalizeCidrs(list: string[]): string[] {
  return list.map((c) => {
    if (!parseCidr(c))
      throw tokenErrors.CIDR_INVALID(`Invalid CIDR range '${c.slice(0, 50)}': use a.b.c.d/n.`);
    return c.trim();
  });
}

/** True if `ip` (IPv4, or IPv4-mapped IPv6) lies in one of the ranges. */
export function ipAllowed(ip: string, cidrs: string[]): boolean {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (!isIPv4(v4)) return false;
  const n = ipv4ToNumber(v4);
  return cidrs.some((c) => {
    const parsed = parseCidr(c);
    return parsed !== null && (n & parsed[1]) >>> 0 === parsed[0];
  });
}

/**
 * A token limited to address ranges works only from them. A caller that cannot tell us the client's
 * address gets a refusal, not a pass (fail closed): the allow-list exists for stolen-token cases.
 */
export function checkTokenAddress(cidrJson: string | null, ip: string | undefined): void {
  if (!cidrJson) return;
  const cidrs = JSON.parse(cidrJson) as string[];
  if (cidrs.length === 0) return;
  if (ip === undefined || !ipAllowed(ip, cidrs)) {
    throw tokenErrors.TOKEN_ADDRESS(
      `This API token may only be used from ${cidrs.join(", ")}${ip ? `, not from ${ip}` : ""}.`,
    );
  }
}

/**
 * Packages in the token's npm scopes (`@acme/...`) that its owner has a role on, resolved at use time
 * so a package published into the scope later is covered too.
 */
export async function projectsInNpmScopes(
  db: DbExecutor,
  userId: string,
  scopesJson: string | null,
): Promise<string[]> {
  const scopes = scopesJson ? (JSON.parse(scopesJson) as string[]) : [];
  if (scopes.length === 0) return [];
  const rows = await db
    .selectFrom("projects")
    .innerJoin("roles", "roles.project_id", "projects.id")
    .select(["projects.id", "projects.normalized_name"])
    .where("projects.ecosystem", "=", "npm")
    .where("roles.user_id", "=", userId)
    .execute();
  return rows.filter((r) => scopes.some((s) => r.normalized_name.startsWith(`${s}/`))).map((r) => r.id);
}
