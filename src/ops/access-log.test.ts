import type { IncomingMessage } from "node:http";
import Fastify, { type FastifyBaseLogger } from "fastify";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { AccessLog, replayAccessLine } from "./access-log.js";
import { fastifyTrustProxy, type TrustProxy } from "./trust-proxy.js";

/** An app whose log lines land in `lines`, with request ids 1, 2, 3, ... and the given access log. */
async function appWith(fast: boolean, lines: string[], level = "info", trustProxy: TrustProxy = false) {
  let n = 0;
  const logger = pino({ level }, { write: (s: string) => void lines.push(s) });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    trustProxy: fastifyTrustProxy(trustProxy),
    genReqId: () => `req-${++n}`,
    logController: new AccessLog(fast),
  });
  app.get("/*", async (req, reply) => reply.code(req.url.includes("missing") ? 404 : 200).send("ok"));
  await app.ready();
  return app;
}

const URLS = [
  "/simple/",
  "/npm/@scope%2fname/-/name-1.0.0.tgz?x=%22y%22",
  '/odd/"quoted"/back\\slash',
  "/ünïcode/名前",
  "/missing",
];

async function linesOf(fast: boolean, level = "info") {
  const lines: string[] = [];
  const app = await appWith(fast, lines, level);
  for (const url of URLS) await app.inject({ method: url === "/missing" ? "HEAD" : "GET", url });
  await app.close();
  // The clock and the measured time differ between two runs, nothing else may.
  return lines.map((l) =>
    l.replace(/"time":\d+/, '"time":0').replace(/"responseTime":[\d.e-]+/, '"responseTime":0'),
  );
}

/** The line pino itself writes for these fields (a plain logger: no Fastify serializers in the way). */
function pinoLine(fields: { reqId: string; req: unknown; res: unknown; responseTime: number }): string {
  const out: string[] = [];
  const { reqId, req, res, responseTime } = fields;
  pino({ level: "info" }, { write: (s: string) => void out.push(s) })
    .child({ reqId })
    .info({ req, res, responseTime }, "request");
  return out[0]!.replace(/"time":\d+/, '"time":0');
}

describe("access log", () => {
  it("writes the bytes pino's own serialisation would, one line per request", async () => {
    const fast = await linesOf(true);
    expect(fast).toHaveLength(URLS.length);
    for (const line of fast) expect(line).toBe(pinoLine(JSON.parse(line)));
    const first = JSON.parse(fast[0]!);
    expect(first).toMatchObject({
      level: 30,
      reqId: "req-1",
      req: { method: "GET", url: "/simple/", remoteAddress: "127.0.0.1" },
      res: { statusCode: 200 },
      msg: "request",
    });
    expect(Object.keys(first)).toEqual([
      "level",
      "time",
      "pid",
      "hostname",
      "reqId",
      "req",
      "res",
      "responseTime",
      "msg",
    ]);
    expect(JSON.parse(fast[2]!).req.url).toBe("/odd/%22quoted%22/back/slash");
    expect(JSON.parse(fast[4]!)).toMatchObject({ req: { method: "HEAD" }, res: { statusCode: 404 } });
  });

  it("has the fields of the generic path (which loses remoteAddress to Fastify's req serializer)", async () => {
    const slow = (await linesOf(false)).map((l) => JSON.parse(l));
    const fast = (await linesOf(true)).map((l) => JSON.parse(l));
    for (const f of fast) delete f.req.remoteAddress;
    expect(fast).toEqual(slow);
  });

  it.each([
    ["no proxy", false, undefined],
    ["a trusted proxy's address", ["127.0.0.1"], "203.0.113.7, 10.0.0.1"],
    ["a hop count", 2, "203.0.113.7, 10.0.0.1"],
  ] as Array<[string, TrustProxy, string | undefined]>)(
    "writes the same line for a replayed answer as for the request it copies (%s)",
    async (_label, trust, forwarded) => {
      const lines: string[] = [];
      const app = await appWith(true, lines, "info", trust);
      const headers = forwarded ? { "x-forwarded-for": forwarded } : {};
      await app.inject({ url: "/npm/x?y=%22z%22", headers });
      // What the server's request listener hands the replay: the socket's peer and the same headers.
      const raw = {
        method: "GET",
        url: "/npm/x?y=%22z%22",
        headers,
        socket: { remoteAddress: "127.0.0.1" },
      } as unknown as IncomingMessage;
      replayAccessLine(app.log, trust)("req-1", raw, 200, 0.123);
      await app.close();
      const [full, replayed] = lines.map((l) =>
        l.replace(/"time":\d+/, '"time":0').replace(/"responseTime":[\d.e-]+/, '"responseTime":0'),
      );
      expect(replayed).toBe(full);
      expect(JSON.parse(full!).req.remoteAddress).toBe(
        trust === false ? "127.0.0.1" : Array.isArray(trust) ? "10.0.0.1" : "203.0.113.7",
      );
    },
  );

  it("writes nothing when the logger's level is above info", async () => {
    expect(await linesOf(true, "warn")).toEqual([]);
  });
});
