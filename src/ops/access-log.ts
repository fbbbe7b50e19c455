import type { IncomingMessage } from "node:http";
import { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import pino from "pino";
import { clientAddress, type TrustProxy } from "./trust-proxy.js";

const { chindingsSym, streamSym } = pino.symbols;

/**
 * One JSON access-log line per request, written when the response is done (Fastify's default writes
 * two: "incoming request" and "request completed"). At index-serving rates the second line was a
 * measurable share of the work (bench/pypi.mjs), and one line carries everything: request id (from the
 * child logger), method, URL, status and time.
 *
 * With `fast`, a successful request's line is written as one template string onto the logger's own
 * destination, with the child logger's bindings (pid, hostname, reqId) that pino keeps pre-serialised:
 * pino's generic path (a serializer lookup and a stringify per key) was 5–12% of a cached read's CPU
 * (issue 15, item 10). The bytes are the same as pino's for a logger built without formatters, mixins,
 * hooks, serializers or a custom timestamp — which is how app.ts builds it, the only place `fast` is
 * set; access-log.test.ts compares the two byte for byte. Errors still go through pino.
 */
/**
 * The line pino writes for the access-log fields under these pre-serialised bindings (pid, hostname,
 * reqId). pino leaves out an undefined value, so a peer address that is gone (the socket closed) is left out.
 */
function requestLine(
  chindings: string,
  method: string,
  url: string,
  ip: string | undefined,
  status: number,
  responseTime: number,
): string {
  const address = ip === undefined ? "" : `,"remoteAddress":${JSON.stringify(ip)}`;
  return `{"level":30,"time":${Date.now()}${chindings},"req":{"method":${JSON.stringify(method)},"url":${JSON.stringify(url)}${address}},"res":{"statusCode":${status}},"responseTime":${responseTime},"msg":"request"}\n`;
}

export class AccessLog extends LogController {
  constructor(private readonly fast = false) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const log = reply.log;
    const responseTime = Math.round(reply.elapsedTime * 100) / 100;
    if (error) {
      log.error(
        {
          req: { method: request.method, url: request.url, remoteAddress: request.ip },
          res: { statusCode: reply.statusCode },
          responseTime,
          err: error,
        },
        "request errored",
      );
      return;
    }
    if (!(log as pino.Logger).isLevelEnabled("info")) return;
    // What the fast path needs of a pino logger: its pre-serialised bindings and its destination.
    const internals = log as unknown as Record<symbol, unknown>;
    const chindings = internals[chindingsSym];
    const stream = internals[streamSym] as { write?: (line: string) => unknown } | undefined;
    if (
      this.fast &&
      typeof stream?.write === "function" &&
      typeof chindings === "string" &&
      typeof request.ip === "string"
    ) {
      stream.write(
        requestLine(chindings, request.method, request.url, request.ip, reply.statusCode, responseTime),
      );
      return;
    }
    log.info(
      {
        req: { method: request.method, url: request.url, remoteAddress: request.ip },
        res: { statusCode: reply.statusCode },
        responseTime,
      },
      "request",
    );
  }
}

/**
 * The same line for an answer replayed before Fastify (http/replay.ts): a request's child logger holds
 * the root's bindings plus `"reqId"`, and `request.ip` is the socket's peer, or with a trusted proxy the
 * address @fastify/proxy-addr picks, as Fastify computes it. access-log.test.ts compares the two lines.
 */
export function replayAccessLine(
  root: FastifyBaseLogger,
  trust: TrustProxy,
): (reqId: string, req: IncomingMessage, status: number, elapsedMs: number) => void {
  const ipOf = clientAddress(trust);
  const logger = root as pino.Logger;
  const internals = root as unknown as Record<symbol, unknown>;
  return (reqId, req, status, elapsedMs) => {
    if (!logger.isLevelEnabled("info")) return;
    const chindings = internals[chindingsSym] as string;
    const stream = internals[streamSym] as { write(line: string): unknown };
    const responseTime = Math.round(elapsedMs * 100) / 100;
    const bindings = `${chindings},"reqId":${JSON.stringify(reqId)}`;
    stream.write(requestLine(bindings, req.method ?? "GET", req.url ?? "", ipOf(req), status, responseTime));
  };
}
