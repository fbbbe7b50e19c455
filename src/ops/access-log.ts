import { type FastifyReply, type FastifyRequest, LogController } from "fastify";

/**
 * One JSON access-log line per request, written when the response is done (Fastify's default writes
 * two: "incoming request" and "request completed"). At index-serving rates the second line was a
 * measurable share of the work (bench/pypi.mjs), and one line carries everything: request id (from the
 * child logger), method, URL, status and time.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      req: { method: request.method, url: request.url, remoteAddress: request.ip },
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request");
  }
}
