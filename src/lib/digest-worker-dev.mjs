// Test-only entry of the digest worker, used when the server runs from source under vitest
// (digest-pool.ts): the render worker's type-stripping hooks, then digest-worker.ts. From dist/ the
// compiled digest-worker.js is used instead; tsc does not emit .mjs files, so this never ships.
import { register } from "node:module";

register("../render/worker-dev-hooks.mjs", import.meta.url);
await import("./digest-worker.ts");
