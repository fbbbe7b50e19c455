import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ALLOWED_CYCLES, ALLOWED_PROTOCOL_IMPORTS } from "./test-support/architecture-allowances.js";
import { cycles, type ImportEdge, importsOf, productionFiles } from "./test-support/import-graph.js";

/**
 * The folder rules of DESIGN.md, checked on the import statements of every production file under
 * src/ (tests, test fixtures and src/test-support/ are not shipped and may reach anywhere):
 *  (a) only src/protocols/ imports src/protocols/: domain, web and admin code must not depend on an
 *      HTTP dialect (the composition root app.ts, which registers the protocols, is the exception);
 *  (b) src/ecosystems/ is pure: no I/O module, nothing outside src/ecosystems/ and src/lib/;
 *  (c) no new cycle of runtime imports (`import type` is erased, so it does not count).
 */
const SRC = dirname(fileURLToPath(import.meta.url));

/** Node modules that reach files, the network or other processes. */
const IO_MODULES = new Set([
  "fs",
  "fs/promises",
  "net",
  "http",
  "https",
  "http2",
  "child_process",
  "dgram",
  "dns",
  "dns/promises",
  "tls",
  "cluster",
  "worker_threads",
  "inspector",
]);
/** Packages an ecosystem may use: pure code only. Add one here only after reading what it does. */
const ECOSYSTEM_PACKAGES = new Set<string>([]);
/** Pure node modules an ecosystem may use (`module` only for its list of built-in names). */
const ECOSYSTEM_NODE_PURE = new Set(["node:module"]);

function ecosystemViolations(edges: ImportEdge[]): string[] {
  return edges
    .filter((e) => e.from.startsWith("ecosystems/"))
    .filter((e) => {
      if (e.internal) return !(e.to.startsWith("ecosystems/") || e.to.startsWith("lib/"));
      if (ECOSYSTEM_NODE_PURE.has(e.to)) return false;
      if (e.to.startsWith("node:") || IO_MODULES.has(e.to)) return true;
      return !ECOSYSTEM_PACKAGES.has(e.to);
    })
    .map((e) => `${e.from} -> ${e.to}`);
}

/** The composition root registers each protocol through the protocol's own index face, nothing else. */
const compositionRoot = (e: ImportEdge) => e.from === "app.ts" && /^protocols\/[^/]+\/index\.ts$/.test(e.to);

function protocolViolations(edges: ImportEdge[]): string[] {
  return edges
    .filter((e) => e.internal && e.to.startsWith("protocols/") && !e.from.startsWith("protocols/"))
    .filter((e) => !compositionRoot(e))
    .map((e) => `${e.from} -> ${e.to}`);
}

function allEdges(): { files: string[]; edges: ImportEdge[] } {
  const files = productionFiles(SRC);
  const known = new Set(files);
  const edges = files.flatMap((f) => importsOf(SRC, f, readFileSync(join(SRC, f), "utf8"), known));
  return { files, edges };
}

describe("architecture: the import rules hold for every production file", () => {
  const { files, edges } = allEdges();

  it("reads the imports of the whole tree (the check is not vacuous)", () => {
    expect(files.length).toBeGreaterThan(150);
    expect(files).toContain("ecosystems/index.ts");
    expect(edges.filter((e) => e.internal).length).toBeGreaterThan(files.length);
  });

  it("only src/protocols/ (and the composition root) imports a protocol file", () => {
    const extra = protocolViolations(edges).filter((v) => !ALLOWED_PROTOCOL_IMPORTS.includes(v));
    expect(
      extra,
      "a domain, web or admin file imports a protocol: move what it needs to its own folder",
    ).toEqual([]);
  });

  it("the protocol allow-list only shrinks: every entry is still needed", () => {
    const current = new Set(protocolViolations(edges));
    expect(
      ALLOWED_PROTOCOL_IMPORTS.filter((a) => !current.has(a)),
      "remove these entries",
    ).toEqual([]);
  });

  it("src/ecosystems/ is pure: no I/O module, nothing outside ecosystems/ and lib/", () => {
    expect(ecosystemViolations(edges)).toEqual([]);
  });

  it("no new cycle of runtime imports appears", () => {
    const allowed = ALLOWED_CYCLES.map((c) => new Set(c.files));
    const unexpected = cycles(files, edges).filter((scc) => !allowed.some((a) => scc.every((f) => a.has(f))));
    expect(unexpected, "new import cycle: break it (import type, or move the shared piece down)").toEqual([]);
  });

  it("the cycle allow-list only shrinks: every listed file is still in a cycle", () => {
    const inCycle = new Set(cycles(files, edges).flat());
    const stale = ALLOWED_CYCLES.flatMap((c) => c.files.filter((f) => !inCycle.has(f)));
    expect(stale, "these files left their cycle: remove them from architecture-allowances.ts").toEqual([]);
  });
});

describe("architecture: the checker catches what it is meant to", () => {
  const graph = (sources: Record<string, string>) => {
    const files = Object.keys(sources);
    const known = new Set(files);
    return { files, edges: files.flatMap((f) => importsOf(SRC, f, sources[f]!, known)) };
  };

  it("flags a web file importing a protocol, but not app.ts registering one", () => {
    const { edges } = graph({
      "web/x.ts": 'import { a } from "../protocols/pypi/view.js";',
      "app.ts": 'import { registerPypi } from "./protocols/pypi/index.js";',
      "protocols/pypi/view.ts": "",
      "protocols/pypi/index.ts": "",
    });
    expect(protocolViolations(edges)).toEqual(["web/x.ts -> protocols/pypi/view.ts"]);
  });

  it("flags I/O, a lazy import and a reach outside in an ecosystem; allows lib/", () => {
    const { edges } = graph({
      "ecosystems/x/a.ts": [
        'import { readFileSync } from "node:fs";',
        'import { createServer } from "http";',
        'import { db } from "../../db/index.js";',
        'import { AppError } from "../../lib/errors.js";',
        'const m = await import("node:child_process");',
      ].join("\n"),
      "lib/errors.ts": "",
      "db/index.ts": "",
    });
    expect(ecosystemViolations(edges)).toEqual([
      "ecosystems/x/a.ts -> node:fs",
      "ecosystems/x/a.ts -> http",
      "ecosystems/x/a.ts -> db/index.ts",
      "ecosystems/x/a.ts -> node:child_process",
    ]);
  });

  it("finds a runtime cycle, including `import { type X }`, and ignores `import type`", () => {
    const runtime = graph({
      "a.ts": 'import { b } from "./b.js";',
      "b.ts": 'import { type A } from "./a.js";',
    });
    expect(cycles(runtime.files, runtime.edges)).toEqual([["a.ts", "b.ts"]]);
    const erased = graph({
      "a.ts": 'import { b } from "./b.js";',
      "b.ts": 'import type { A } from "./a.js";\nexport type { C } from "./a.js";',
    });
    expect(cycles(erased.files, erased.edges)).toEqual([]);
  });
});
