import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { requireKey } from "./auth.js";
import { gemErrors } from "./errors.js";
import { registerInstall } from "./install.js";
import { registerOwners } from "./owners.js";
import { handlePush } from "./push.js";
import { registerSignin } from "./signin.js";
import { registerWebauthnVerification } from "./webauthn.js";
import { handleYank } from "./yank.js";

const MB = 1024 * 1024;

/**
 * The RubyGems API at /rubygems/ (`gem push --host http://host/rubygems`). Protocol facts:
 * docs/protocols/rubygems.md. Every answer is plain text: the gem client prints bodies as they are.
 */
export async function registerRubygems(app: FastifyInstance, deps: Deps): Promise<void> {
  await app.register(async (gem) => {
    gem.addContentTypeParser(
      ["application/octet-stream", "application/x-tar"],
      { parseAs: "buffer", bodyLimit: deps.config.uploadLimitBytes + MB },
      (_req, body, done) => done(null, body),
    );
    gem.setErrorHandler((err, _req, _reply) => {
      if ((err as { code?: string }).code === "FST_ERR_CTP_BODY_TOO_LARGE")
        throw gemErrors.TOO_LARGE(
          `The gem is larger than this registry accepts (gems up to ${Math.floor(deps.config.uploadLimitBytes / MB)} MB).`,
        );
      throw err;
    });
    registerSignin(gem, deps);
    registerInstall(gem, deps);
    registerOwners(gem, deps);
    registerWebauthnVerification(gem, deps);
    gem.delete("/rubygems/api/v1/gems/yank", async (req, reply) => {
      const auth = await requireKey(deps, req, true);
      return reply.type("text/plain; charset=utf-8").send(await handleYank(deps, req, auth));
    });
    gem.post(
      "/rubygems/api/v1/gems",
      {
        bodyLimit: deps.config.uploadLimitBytes + MB,
        // A missing, dead or read-only key is refused before a byte of the gem is read.
        preParsing: async (req) => {
          await requireKey(deps, req, true);
        },
      },
      async (req, reply) => {
        const auth = await requireKey(deps, req, true);
        const text = await handlePush(deps, req, auth);
        return reply.status(200).type("text/plain; charset=utf-8").send(text);
      },
    );
  });
}
