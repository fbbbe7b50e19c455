import { createSocket, type Socket } from "node:dgram";
import type { DnsAnswer, DnsResolver, MxRecord } from "../dns/index.js";

/**
 * DNS for tests. A zone maps names to their records; a name absent from it is NXDOMAIN, a name without
 * records of the asked type answers NODATA, and a name mapped to a failure answers that failure.
 * `FakeDns` answers from the zone in-process (the job's tests); `startDnsServer` answers the same zone
 * over UDP on loopback, so the real `NodeDnsResolver` is checked against real wire answers.
 */
export type ZoneEntry =
  | { mx?: MxRecord[]; a?: string[]; aaaa?: string[] }
  | "SERVFAIL"
  | "REFUSED"
  /** No answer at all: the client times out. */
  | "TIMEOUT";
export type Zone = Record<string, ZoneEntry>;

/** The in-process double: the zone may be changed between checks (a domain lapses, or comes back). */
export class FakeDns implements DnsResolver {
  readonly servers = ["test double"];
  readonly asked: string[] = [];
  constructor(public zone: Zone = {}) {}

  private answer<T>(name: string, pick: (e: Exclude<ZoneEntry, string>) => T[] | undefined): DnsAnswer<T> {
    this.asked.push(name);
    const e = this.zone[name];
    if (e === undefined) return { failure: "NXDOMAIN", code: "ENOTFOUND" };
    if (e === "SERVFAIL") return { failure: "TRANSIENT", code: "ESERVFAIL" };
    if (e === "REFUSED") return { failure: "TRANSIENT", code: "EREFUSED" };
    if (e === "TIMEOUT") return { failure: "TRANSIENT", code: "ETIMEOUT" };
    const records = pick(e) ?? [];
    return records.length ? { records } : { failure: "NODATA", code: "ENODATA" };
  }

  async mx(name: string): Promise<DnsAnswer<MxRecord>> {
    return this.answer(name, (e) => e.mx);
  }

  async addresses(name: string, family: 4 | 6): Promise<DnsAnswer<string>> {
    return this.answer(name, (e) => (family === 4 ? e.a : e.aaaa));
  }
}

const TYPES = { A: 1, MX: 15, AAAA: 28 } as const;

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, "").split(".").filter(Boolean);
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

function readQuestion(msg: Buffer): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let i = 12;
  while (msg[i]) {
    const len = msg[i]!;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString("latin1"));
    i += len + 1;
  }
  return { name: labels.join(".").toLowerCase(), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

function rdata(type: number, e: Exclude<ZoneEntry, string>): Buffer[] {
  if (type === TYPES.MX)
    return (e.mx ?? []).map((m) => {
      const pref = Buffer.alloc(2);
      pref.writeUInt16BE(m.priority);
      return Buffer.concat([pref, encodeName(m.exchange)]);
    });
  if (type === TYPES.A) return (e.a ?? []).map((ip) => Buffer.from(ip.split(".").map(Number)));
  if (type === TYPES.AAAA)
    return (e.aaaa ?? []).map((ip) => {
      // Only the full or "::1"-style forms tests use.
      const [head = "", tail = ""] = ip.split("::");
      const h = head ? head.split(":") : [];
      const t = tail ? tail.split(":") : [];
      const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
      const b = Buffer.alloc(16);
      for (const [k, g] of groups.entries()) b.writeUInt16BE(Number.parseInt(g, 16), k * 2);
      return b;
    });
  return [];
}

function respond(msg: Buffer, zone: Zone): Buffer | null {
  const q = readQuestion(msg);
  const e = zone[q.name];
  if (e === "TIMEOUT") return null;
  const rcode = e === undefined ? 3 : e === "SERVFAIL" ? 2 : e === "REFUSED" ? 5 : 0;
  const answers = typeof e === "object" ? rdata(q.type, e) : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(msg.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8180 | rcode, 2); // QR, RD, RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const rrs = answers.map((d) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    rr.writeUInt16BE(q.type, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(d.length, 10);
    return Buffer.concat([rr, d]);
  });
  return Buffer.concat([header, msg.subarray(12, q.end), ...rrs]);
}

/** A DNS server on 127.0.0.1 answering `zone` over UDP; `address` is "127.0.0.1:PORT". */
export async function startDnsServer(zone: Zone): Promise<{ address: string; close(): Promise<void> }> {
  const socket: Socket = createSocket("udp4");
  socket.on("message", (msg, peer) => {
    const out = respond(msg, zone);
    if (out) socket.send(out, peer.port, peer.address);
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}
