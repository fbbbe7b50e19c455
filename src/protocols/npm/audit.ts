import { PassThrough, type Readable } from "node:stream";
import { createGunzip, createInflate } from "node:zlib";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { npmErrors } from "./errors.js";
import { ascii } from "./second-factor.js";

/** A dependency tree's bulk request is names and versions: a few hundred KB for thousands of packages. */
export const AUDIT_BODY_LIMIT = 8 * 1024 * 1024;

export const NO_ADVISORIES =
  "This registry has no security advisory database: no package was checked against known vulnerabilities.";

/**
 * npm sends its audit body gzip-compressed (`content-encoding: gzip`), which Fastify's JSON parser
 * cannot read. Inflate it here, stopping as soon as the output passes the limit: a tiny gzip bomb must
 * not make the server inflate gigabytes (src/lib/archive-limits.ts has the same rule for archives).
 * Fastify then applies the route's bodyLimit to what comes out (and `receivedEncodedLength` to what
 * went in, as its preParsing contract asks).
 */
function inflated(req: FastifyRequest, payload: Readable, limit: number): Readable {
  const encoding = String(req.headers["content-encoding"] ?? "identity").toLowerCase();
  if (encoding === "identity") return payload;
  if (encoding !== "gzip" && encoding !== "deflate")
    throw npmErrors.BODY_INVALID(
      `Send the audit body as JSON, plain or gzip (not ${encoding.slice(0, 20)}).`,
    );
  const inflate = encoding === "gzip" ? createGunzip() : createInflate();
  const out = new PassThrough() as PassThrough & { receivedEncodedLength: number };
  out.receivedEncodedLength = 0;
  let produced = 0;
  payload.on("data", (c: Buffer) => {
    out.receivedEncodedLength += c.length;
  });
  const fail = (e: Error) => {
    payload.unpipe(inflate);
    inflate.destroy();
    out.destroy(e);
  };
  inflate.on("data", (c: Buffer) => {
    produced += c.length;
    if (produced > limit)
      return fail(npmErrors.TOO_LARGE("The audit request inflates to more than this registry accepts."));
    out.write(c);
  });
  inflate.on("end", () => out.end());
  inflate.on("error", () => fail(npmErrors.BODY_INVALID("The audit body is not valid gzip.")));
  payload.pipe(inflate);
  return out;
}

const notice = (reply: { header(k: string, v: string): unknown }) =>
  reply.header("npm-notice", ascii(NO_ADVISORIES));

function requireObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw npmErrors.BODY_INVALID("Send the dependency list as a JSON object, as npm audit does.");
  return body as Record<string, unknown>;
}

/**
 * `npm audit` (bulk advisories, npm 7+) and the older quick-audit report (npm 6, pnpm, other tools).
 * With no advisory database the honest answer is "no advisories", in each endpoint's own format, plus
 * an `npm-notice` (npm prints it) saying that nothing was checked — never a silent "all clear".
 */
export function registerAudit(app: FastifyInstance, _deps: Deps): void {
  const opts = {
    bodyLimit: AUDIT_BODY_LIMIT,
    preParsing: async (req: FastifyRequest, _reply: unknown, payload: Readable) =>
      inflated(req, payload, AUDIT_BODY_LIMIT),
  };
  app.post("/npm/-/npm/v1/security/advisories/bulk", opts, async (req, reply) => {
    requireObject(req.body);
    notice(reply);
    return {};
  });
  const quick = async (req: FastifyRequest, reply: Parameters<typeof notice>[0]) => {
    const body = requireObject(req.body);
    const deps = Object.keys((body.dependencies ?? {}) as object).length;
    notice(reply);
    return {
      actions: [],
      advisories: {},
      muted: [],
      metadata: {
        vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0 },
        dependencies: deps,
        devDependencies: 0,
        optionalDependencies: 0,
        totalDependencies: deps,
      },
    };
  };
  app.post("/npm/-/npm/v1/security/audits", opts, quick);
  app.post("/npm/-/npm/v1/security/audits/quick", opts, quick);
}
