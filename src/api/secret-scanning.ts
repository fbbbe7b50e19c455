import type { FastifyInstance } from "fastify";
import type { Deps } from "../deps.js";
import {
  checkSignature,
  handleReport,
  MAX_REPORT_BYTES,
  parseReport,
  ScanningKeys,
  scanningErrors,
} from "../secret-scanning/index.js";

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * `POST /api/secret-scanning/github`: the endpoint a registry gives GitHub when it joins the secret
 * scanning partner program. The body is a JSON list of matches `{token, type, url, source}`, signed
 * (Github-Public-Key-Identifier / Github-Public-Key-Signature); the answer is GitHub's feedback list
 * `[{token_raw, token_type, label}]`. Every Wharf token in it is revoked and its owner mailed
 * (tokens' revokeLeakedToken). Unsigned, wrongly signed, oversized or malformed: 4xx, nothing revoked.
 */
export async function registerSecretScanningApi(app: FastifyInstance, deps: Deps): Promise<void> {
  const keys = new ScanningKeys(deps.config.secretScanning);
  await app.register(async (scope) => {
    // The signature covers the raw bytes: no JSON parser may touch them first, whatever the content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: MAX_REPORT_BYTES }, (_req, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler((err, _req, _reply) => {
      if ((err as { code?: string }).code === "FST_ERR_CTP_BODY_TOO_LARGE")
        throw scanningErrors.REPORT_TOO_LARGE();
      throw err;
    });
    scope.post(
      "/api/secret-scanning/github",
      {
        bodyLimit: MAX_REPORT_BYTES,
        onRequest: async (req) => {
          if (!keys.configured()) throw scanningErrors.NOT_CONFIGURED();
          await deps.limits.consume("leakReportIp", req.ip);
        },
      },
      async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        await checkSignature(
          keys,
          deps.clock.now(),
          header(req.headers["github-public-key-identifier"]),
          header(req.headers["github-public-key-signature"]),
          body,
        );
        const matches = parseReport(body);
        const ctx = { ip: req.ip, userAgent: header(req.headers["user-agent"]) };
        return reply.status(200).send(await handleReport(deps, ctx, matches));
      },
    );
  });
}
