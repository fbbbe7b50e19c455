import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { BlockStore } from "../../http/blocks.js";
import { RenderCache, type Rendered } from "../../http/render-cache.js";
import { ListingStore } from "../../packages/index.js";
import { registerFiles } from "./files.js";
import { notMultipart } from "./form.js";
import { registerJsonApi } from "./json-api.js";
import { registerPypiOidc } from "./oidc.js";
import { registerPreview } from "./preview.js";
import { registerSimple } from "./simple.js";
import { clearSpool } from "./spool.js";
import { registerUpload } from "./upload.js";

/** The PyPI surfaces: upload (/legacy/), simple API (/simple/), JSON API (/pypi/), files (/files/). */
export async function registerPypi(app: FastifyInstance, deps: Deps): Promise<void> {
  await clearSpool(deps.config.dataDir);
  await app.register(async (pypi) => {
    // Fastify's own body refusals (unknown content type, oversize or broken JSON) on an upload: the body
    // is not the multipart form twine sends, and the reason phrase must say so. The app's error handler
    // reads the unread rest of the body before answering (http/drain.ts), so twine still hears it.
    pypi.setErrorHandler(async (err, req) => {
      const code = (err as { code?: string }).code ?? "";
      if (req.method === "POST" && code.startsWith("FST_ERR_CTP_"))
        throw notMultipart(req.headers["content-type"]);
      throw err;
    });
    // The upload route reads a multipart/form-data body itself (multipart.ts), as it arrives.
    pypi.addContentTypeParser("multipart/form-data", (_req, _payload, done) => done(null));
    registerUpload(pypi, deps);
    // Up to four renderings per project (three simple formats and the JSON API): room for as many
    // projects as the old per-project groups held; the byte budget bounds memory.
    const cache = new RenderCache<Rendered>(deps.changes, { maxEntries: 40_000 });
    // Their gzip and hashes by block, so a re-render after an upload compresses only what changed.
    const blocks = new BlockStore();
    // Each project's releases and files as last read, so a re-render reads only what a write changed.
    const listings = new ListingStore();
    registerSimple(pypi, deps, cache, blocks, listings);
    registerJsonApi(pypi, deps, cache, blocks, listings);
    registerFiles(pypi, deps);
    registerPreview(pypi, deps);
  });
  // Trusted publishing's JSON endpoints, outside the upload's multipart error handling.
  await app.register(async (oidc) => registerPypiOidc(oidc, deps));
}
