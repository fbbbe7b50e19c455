import { Resolver as NodeResolver } from "node:dns/promises";

/** What a lookup said, reduced to what the abandonment check must tell apart. */
export type DnsFailure =
  /** The name does not exist (RCODE 3): evidence, the registry no longer delegates it. */
  | "NXDOMAIN"
  /** The name exists but has no record of this type: evidence for MX only together with A/AAAA. */
  | "NODATA"
  /** No answer worth anything (SERVFAIL, timeout, refused, unreachable resolver): no evidence at all. */
  | "TRANSIENT";

export type DnsAnswer<T> = { records: T[] } | { failure: DnsFailure; code: string };

export interface MxRecord {
  priority: number;
  /** "" (or ".") for a null MX (RFC 7505). */
  exchange: string;
}

/**
 * The DNS the abandoned-domain check asks. The real one is `NodeDnsResolver`; tests use the zone-backed
 * double in test-support (the public DNS cannot run in a test), and a loopback DNS server checks this
 * class against real wire answers.
 */
export interface DnsResolver {
  /** The servers asked, for the operator ("system default" when the host's resolv.conf is used). */
  readonly servers: string[];
  mx(name: string): Promise<DnsAnswer<MxRecord>>;
  addresses(name: string, family: 4 | 6): Promise<DnsAnswer<string>>;
}

// c-ares error codes (node:dns). ENOTFOUND is its name for NXDOMAIN; ENODATA for NOERROR with no
// answer. Everything else (ESERVFAIL, ETIMEOUT, EREFUSED, ECONNREFUSED, EBADRESP, ...) says nothing
// about the domain, only about the path to it.
const FAILURES: Record<string, DnsFailure> = { ENOTFOUND: "NXDOMAIN", ENODATA: "NODATA" };

function failureOf(e: unknown): { failure: DnsFailure; code: string } {
  const code = String((e as { code?: unknown })?.code ?? "ERROR");
  return { failure: FAILURES[code] ?? "TRANSIENT", code };
}

/** `node:dns/promises` with its own servers, timeout and tries (not the process-wide resolver). */
export class NodeDnsResolver implements DnsResolver {
  readonly servers: string[];
  private readonly r: NodeResolver;

  constructor(opts: { servers?: string[]; timeoutMs?: number; tries?: number } = {}) {
    this.r = new NodeResolver({ timeout: opts.timeoutMs ?? 5000, tries: opts.tries ?? 2 });
    if (opts.servers?.length) this.r.setServers(opts.servers);
    this.servers = opts.servers?.length ? [...opts.servers] : ["system default"];
  }

  async mx(name: string): Promise<DnsAnswer<MxRecord>> {
    try {
      return { records: await this.r.resolveMx(name) };
    } catch (e) {
      return failureOf(e);
    }
  }

  async addresses(name: string, family: 4 | 6): Promise<DnsAnswer<string>> {
    try {
      return { records: family === 4 ? await this.r.resolve4(name) : await this.r.resolve6(name) };
    } catch (e) {
      return failureOf(e);
    }
  }
}

/** The resolver the server and the CLI use: WHARF_DNS_SERVERS, else the host's own. */
export function createResolver(config: { domainCheck: { dnsServers: string[] } }): DnsResolver {
  return new NodeDnsResolver({ servers: config.domainCheck.dnsServers });
}
