import multipart from "@fastify/multipart";
import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { RenderCache } from "./cache.js";
import { registerFiles } from "./files.js";
import { registerJsonApi } from "./json-api.js";
import { registerSimple } from "./simple.js";
import { clearSpool } from "./spool.js";
import { registerUpload } from "./upload.js";

/** The PyPI surfaces: upload (/legacy/), simple API (/simple/), JSON API (/pypi/), files (/files/). */
export async function registerPypi(app: FastifyInstance, deps: Deps): Promise<void> {
  await clearSpool(deps.config.dataDir);
  await app.register(async (pypi) => {
    await pypi.register(multipart, {
      limits: {
        fields: 500,
        fieldSize: 16 * 1024 * 1024,
        files: 1,
        // The hard ceiling; the project's own limit is enforced while spooling (protocols/pypi/spool.ts).
        fileSize: 4 * 1024 * 1024 * 1024,
        parts: 1000,
      },
    });
    registerUpload(pypi, deps);
    const cache = new RenderCache(deps.changes);
    registerSimple(pypi, deps, cache);
    registerJsonApi(pypi, deps, cache);
    registerFiles(pypi, deps);
  });
}
