// Test-only entry of the render worker, used when the server runs from source under vitest (pool.ts).
// A worker thread is a fresh isolate that Node 20 cannot feed TypeScript, so this installs a hook that
// strips types with the project's own compiler, then runs worker.ts. From dist/ the compiled worker.js
// is used instead; tsc does not emit .mjs files, so this never ships.
import { register } from "node:module";

register("./worker-dev-hooks.mjs", import.meta.url);
await import("./worker.ts");
