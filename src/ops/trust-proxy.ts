import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import proxyAddr from "@fastify/proxy-addr";
import { type RefinementCtx, z } from "zod";

/**
 * Which peers may tell us the client's address in X-Forwarded-For. `true` (believe every hop) is not
 * representable on purpose: Fastify then takes the left-most address, which the client itself writes,
 * so per-IP limits, CIDR-restricted tokens and the IPs in security history become the attacker's choice.
 *
 * - false: the socket's peer is the client (no proxy);
 * - a hop count n: the last n hops are our proxies, the address before them is the client;
 * - a list of addresses/CIDRs: hops from these addresses are proxies, the first other one is the client.
 */
export type TrustProxy = false | number | string[];

/** Names @fastify/proxy-addr expands itself (loopback = 127.0.0.1/8 and ::1, ...). */
const NAMED_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);
const MAX_HOPS = 10;

const UNSAFE_TRUE =
  "true would believe the client's own X-Forwarded-For (anyone could claim any address); give the number " +
  "of proxies in front of Wharf (e.g. 1) or their addresses/CIDRs (e.g. 10.0.0.0/8,127.0.0.1)";

function validEntry(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return false;
  if (slash === -1) return true;
  const bits = entry.slice(slash + 1);
  // A /0 would trust every address, which is the `true` this setting refuses.
  return /^\d{1,3}$/.test(bits) && Number(bits) >= 1 && Number(bits) <= (version === 4 ? 32 : 128);
}

/** zod transform for WHARF_TRUST_PROXY: an invalid or unsafe value is a config error naming the setting. */
export function parseTrustProxy(raw: string, ctx: RefinementCtx): TrustProxy {
  const value = raw.trim();
  if (["", "false", "no", "0"].includes(value.toLowerCase())) return false;
  if (["true", "yes", "on"].includes(value.toLowerCase())) {
    ctx.addIssue({ code: "custom", message: UNSAFE_TRUE });
    return z.NEVER;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_HOPS) ctx.addIssue({ code: "custom", message: `a hop count is at most ${MAX_HOPS}` });
    return hops;
  }
  const entries = value.split(",").map((e) => e.trim());
  const bad = entries.filter((e) => !validEntry(e));
  if (bad.length) {
    ctx.addIssue({
      code: "custom",
      message: `not an IP address or CIDR: ${bad.map((b) => JSON.stringify(b)).join(", ")} (expected false, a hop count, or e.g. 10.0.0.0/8,127.0.0.1)`,
    });
    return z.NEVER;
  }
  return entries;
}

/**
 * The value for Fastify's `trustProxy`. Fastify ≥ 5.12 treats a plain number as "trust nothing" (it
 * cannot check who the first hop is), which would put every client behind the proxy into one per-IP
 * budget; so a hop count becomes a function that trusts exactly that many hops. It is only safe when
 * Wharf's port is reachable from the proxy alone (README, "Security: what the operator must configure").
 */
export function fastifyTrustProxy(
  trust: TrustProxy,
): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === "number") return (_address, hop) => hop < trust;
  return trust;
}

/**
 * A hop count believes whoever connects to Wharf's port. Said once at start-up when that port is open
 * beyond this host, where a client that bypasses the proxy could write its own X-Forwarded-For.
 */
export function hopCountWarning(trust: TrustProxy, host: string): string | undefined {
  if (typeof trust !== "number") return undefined;
  if (/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/.test(host)) return undefined;
  return (
    `WHARF_TRUST_PROXY=${trust} trusts ${trust} hop(s) from any peer, and Wharf listens on ${host}: make sure only ` +
    "your proxy can reach this port, or list the proxies' addresses/CIDRs instead."
  );
}

/**
 * The client's address as Fastify's `request.ip` computes it under this setting (the socket's peer, or
 * the address @fastify/proxy-addr picks behind trusted proxies), for code that runs before Fastify has a
 * request (http/replay.ts): its access-log line and the token address check must name the same client.
 */
export function clientAddress(trust: TrustProxy): (req: IncomingMessage) => string | undefined {
  const fn = fastifyTrustProxy(trust);
  if (fn === false) return (req) => req.socket.remoteAddress;
  const trusted = typeof fn === "function" ? fn : proxyAddr.compile(fn);
  return (req) => {
    const all = proxyAddr.all(req, trusted);
    return all[all.length - 1];
  };
}
