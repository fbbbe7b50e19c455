// The shipped entry point, dist/bundle/main.js (bin/wharf.js runs it): tsc's output in dist/ bundled into
// a few files, so a process no longer resolves, reads and compiles ~1,400 modules one by one (issue 15
// item 9). Measured under load: `wharf serve` to its first 200 took 2.3 s of CPU with tsc's output and
// 1.2 s bundled; `wharf user list` 1.4 s → 0.5 s. Module loading, not running, was most of start-up.
//
// Our own code is bundled, and kysely and zod with it (263 and 95 small ES modules: the largest share of
// the files). Every other package stays external, loaded from node_modules as before: native bindings
// (better-sqlite3, argon2), CommonJS packages, and the back ends that are imported only when configured
// (src/cli/lazy-load.test.ts checks the bundle too). Each `import()` in src/ becomes its own chunk, so
// what was lazy stays lazy. The workers are entries of their own: src/render/pool.ts and
// src/lib/digest-pool.ts start `new URL("./worker.js" | "./digest-worker.js", import.meta.url)`, which
// from any chunk of this flat folder is the entry next to it.
const BUNDLED = new Set(["kysely", "zod"]);

export default {
  input: {
    main: "dist/main.js",
    worker: "dist/render/worker.js",
    "digest-worker": "dist/lib/digest-worker.js",
  },
  platform: "node",
  external: (id) => {
    if (id.startsWith(".") || id.startsWith("/") || id.startsWith("\0")) return false;
    if (id.startsWith("node:")) return true;
    const pkg = id.startsWith("@") ? id.split("/").slice(0, 2).join("/") : id.split("/")[0];
    return !BUNDLED.has(pkg);
  },
  // cleanDir: chunk names carry a hash, so the previous build's chunks would pile up.
  output: { dir: "dist/bundle", format: "esm", chunkFileNames: "[name]-[hash].js", cleanDir: true },
};
