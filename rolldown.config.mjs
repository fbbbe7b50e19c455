import { builtinModules } from "node:module";

// The shipped entry point, dist/bundle/main.js (bin/wharf.js runs it): tsc's output in dist/ bundled with
// the packages it uses into a few files, so a process no longer resolves, reads and compiles ~1,400
// modules one by one (issue 15 item 9: module loading, not running, was most of start-up). CPU measured
// under load (median of 3): `wharf serve` to its first 200 2.3 s with tsc's output, 1.2 s with our code,
// kysely and zod bundled, 0.96 s with every package below bundled; `wharf user list` 1.4 → 0.57 → 0.50 s.
//
// Left external, loaded from node_modules as before: native bindings (better-sqlite3, argon2), and the
// back ends imported only when configured or first used (src/cli/lazy-load.test.ts checks the bundle
// keeps them lazy: it recognises them by their node_modules paths). Each `import()` in src/ becomes its
// own chunk, so what was lazy stays lazy. The workers are entries of their own: src/render/pool.ts and
// src/lib/digest-pool.ts start `new URL("./worker.js" | "./digest-worker.js", import.meta.url)`, which
// from any chunk of this flat folder is the entry next to it.
const BUILTINS = new Set(builtinModules);
const EXTERNAL =
  /^(better-sqlite3|@node-rs|pg|pg-[a-z-]+|@aws-sdk|@smithy|ioredis|nodemailer|@simplewebauthn|@peculiar|jose|markdown-it|qrcode|hash-wasm)(\/|$)/;

export default {
  input: {
    main: "dist/main.js",
    worker: "dist/render/worker.js",
    "digest-worker": "dist/lib/digest-worker.js",
  },
  platform: "node",
  external: (id) => {
    if (id.startsWith(".") || id.startsWith("/") || id.startsWith("\0")) return false;
    // Node's built-ins, with or without the node: prefix (packages still require("fs")).
    if (id.startsWith("node:") || BUILTINS.has(id.split("/")[0])) return true;
    return EXTERNAL.test(id);
  },
  // cleanDir: chunk names carry a hash, so the previous build's chunks would pile up.
  output: { dir: "dist/bundle", format: "esm", chunkFileNames: "[name]-[hash].js", cleanDir: true },
};
