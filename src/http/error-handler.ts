import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../deps.js";
import { type AppError, isAppError, reraise } from "../lib/errors.js";
import { ErrorPage, sendPage } from "../web/index.js";
import { bodyNotFullyRead, drainUnreadBody } from "./drain.js";
import { httpErrors } from "./errors.js";
import { surfaceOf } from "./surfaces.js";

/** Normalises anything thrown into an AppError; internal errors keep their detail out of responses. */
function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const fe = e as FastifyError;
  if (fe?.statusCode && fe.statusCode < 500) {
    const message =
      fe.statusCode === 413
        ? "The request body is too large."
        : fe.statusCode === 415
          ? "Unsupported content type."
          : fe.message;
    return reraise({ status: fe.statusCode, code: fe.code ?? "BAD_REQUEST", message });
  }
  return httpErrors.INTERNAL();
}

export function sendError(deps: Deps, req: FastifyRequest, reply: FastifyReply, e: AppError): FastifyReply {
  for (const [k, v] of Object.entries(e.headers ?? {})) reply.header(k, v);
  switch (surfaceOf(req.url).dialect) {
    case "twine":
      // twine shows only the HTTP reason phrase, so the message must travel there (ASCII, one line).
      reply.raw.statusMessage = e.message.replace(/[^\x20-\x7e]/g, "-").slice(0, 400);
      return reply.status(e.status).type("text/plain; charset=utf-8").send(e.message);
    case "npm":
      return reply.status(e.status).send({ error: e.message, code: e.code });
    case "gem":
      return reply.status(e.status).type("text/plain; charset=utf-8").send(e.message);
    case "json":
      return reply.status(e.status).send({ error: { code: e.code, message: e.message } });
    default:
      return sendPage(
        deps,
        req,
        reply,
        "Error",
        (c) => ErrorPage(c, { status: e.status, message: e.message }),
        e.status,
      );
  }
}

export function registerErrorHandling(app: FastifyInstance, deps: Deps): void {
  app.setErrorHandler(async (error, req, reply) => {
    const e = toAppError(error);
    // A refusal before the body was read to its end (a body parser's own, one raised before parsing, or
    // a reader that stopped in the middle): read the rest first, or closing with megabytes unread resets the connection and the client never
    // sees the answer (found by the fuzz campaign at /legacy/).
    if (bodyNotFullyRead(req)) await drainUnreadBody(req);
    if (e.status >= 500) req.log.error({ err: error }, "request failed");
    else req.log.info({ code: e.code, status: e.status }, e.message);
    return sendError(deps, req, reply, e);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(deps, req, reply, httpErrors.NOT_FOUND(`Nothing lives at ${req.url.split("?")[0]}.`)),
  );
}
