import type { DnsAnswer, DnsResolver, MxRecord } from "./resolver.js";

/**
 * Whether a domain can receive mail, in the three outcomes the abandonment check acts on:
 * - `accepts`: an MX, or (no MX) an A/AAAA record, the "implicit MX" of RFC 5321 §5.1;
 * - `none`: evidence that nobody receives mail there: NXDOMAIN, no MX/A/AAAA at all, or a null MX
 *   (RFC 7505 "MX 0 .": the domain declares it accepts no mail);
 * - `unknown`: no evidence either way (SERVFAIL, timeout, ...). Never acted upon: a resolver outage
 *   must not look like thousands of vanished domains.
 */
export type MailVerdict =
  | { verdict: "accepts"; via: "mx" | "implicit"; hosts: string[] }
  | { verdict: "none"; reason: "nxdomain" | "no_records" | "null_mx"; detail: string }
  | { verdict: "unknown"; detail: string };

const isNull = (r: MxRecord) => r.exchange === "" || r.exchange === ".";

export async function lookupMail(dns: DnsResolver, domain: string): Promise<MailVerdict> {
  const mx = await dns.mx(domain);
  if ("records" in mx) {
    // RFC 7505 §3: a null MX is the domain's only MX. Beside real ones it is a mistake; the real ones win.
    const real = mx.records.filter((r) => !isNull(r));
    if (real.length) {
      const hosts = real.sort((a, b) => a.priority - b.priority).map((r) => r.exchange.replace(/\.$/, ""));
      return { verdict: "accepts", via: "mx", hosts };
    }
    if (mx.records.length)
      return { verdict: "none", reason: "null_mx", detail: "null MX (MX 0 .): the domain accepts no mail" };
  } else if (mx.failure === "NXDOMAIN") {
    return {
      verdict: "none",
      reason: "nxdomain",
      detail: `MX: NXDOMAIN (${mx.code}): the domain does not exist`,
    };
  } else if (mx.failure === "TRANSIENT") {
    return { verdict: "unknown", detail: `MX lookup failed (${mx.code})` };
  }
  // No MX record (or an empty answer): RFC 5321 §5.1 falls back to the domain's own address records.
  const [a, aaaa] = await Promise.all([dns.addresses(domain, 4), dns.addresses(domain, 6)]);
  const hosts = (x: DnsAnswer<string>) => ("records" in x ? x.records : []);
  if (hosts(a).length || hosts(aaaa).length)
    return { verdict: "accepts", via: "implicit", hosts: [...hosts(a), ...hosts(aaaa)] };
  const transient = [a, aaaa].find((x) => "failure" in x && x.failure === "TRANSIENT");
  if (transient && "failure" in transient)
    return { verdict: "unknown", detail: `no MX; A/AAAA lookup failed (${transient.code})` };
  return { verdict: "none", reason: "no_records", detail: "no MX, A or AAAA record" };
}

/**
 * Whether a canary's answer proves the resolver resolves at all: one that says NXDOMAIN for everything
 * (an air-gapped host, a broken split-horizon setup; the sandbox this was written in did exactly that)
 * would otherwise "find" every domain abandoned. Any records, even a null MX, prove it answers.
 */
export const provesResolution = (v: MailVerdict): boolean =>
  v.verdict === "accepts" || (v.verdict === "none" && v.reason === "null_mx");
