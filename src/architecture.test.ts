import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ALLOWED_APP_ERROR_FOLDERS,
  ALLOWED_CYCLES,
  ALLOWED_PROTOCOL_IMPORTS,
  ALLOWED_UNUSED_ERRORS,
} from "./test-support/architecture-allowances.js";
import { appErrorConstructions, catalogueEntries, catalogueUses } from "./test-support/error-sites.js";
import { cycles, type ImportEdge, importsOf, productionFiles } from "./test-support/import-graph.js";

/**
 * The folder rules of DESIGN.md, checked on the import statements of every production file under
 * src/ (tests, test fixtures and src/test-support/ are not shipped and may reach anywhere):
 *  (a) only src/protocols/ imports src/protocols/: domain, web and admin code must not depend on an
 *      HTTP dialect (the composition root app.ts, which registers the protocols, is the exception);
 *  (b) src/ecosystems/ is pure: no I/O module, nothing outside src/ecosystems/ and src/lib/;
 *  (c) no new cycle of runtime imports (`import type` is erased, so it does not count);
 *  (d) errors come from catalogues: only src/lib/errors.ts runs `new AppError(`, and every catalogue
 *      entry is thrown somewhere (a dead entry is a message nobody can see, or a code someone will
 *      define twice).
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
/**
 * Packages an ecosystem may use: pure code only. Add one here only after reading what it does.
 * unhomoglyph: one regular-expression replace over the Unicode confusables table (a JSON file); no I/O.
 * yaml: a YAML parser (the gemspec inside a pushed gem); parses strings, reads no files.
 */
const ECOSYSTEM_PACKAGES = new Set<string>(["unhomoglyph", "yaml"]);
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

/** [file relative to src/, its text] for every production file. */
type Sources = Array<[string, string]>;

/** `new AppError(` sites outside src/lib/errors.ts and the allowed folders. */
function adHocErrors(sources: Sources, allowedFolders: string[]): string[] {
  return sources
    .filter(([f]) => f !== "lib/errors.ts" && !allowedFolders.some((d) => f.startsWith(d)))
    .flatMap(([f, s]) => appErrorConstructions(f, s));
}

/** Catalogue entries ("catalogueName.CODE") that no production file reads. */
function unusedEntries(sources: Sources): string[] {
  const used = new Set(sources.flatMap(([f, s]) => catalogueUses(f, s)));
  return sources.flatMap(([f, s]) => catalogueEntries(f, s)).filter((e) => !used.has(e));
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

describe("architecture: every error comes from a catalogue", () => {
  const sources: Sources = productionFiles(SRC).map((f) => [f, readFileSync(join(SRC, f), "utf8")]);
  const entries = sources.flatMap(([f, s]) => catalogueEntries(f, s));
  const unused = unusedEntries(sources);

  it("reads every catalogue (the check is not vacuous)", () => {
    expect(entries.length).toBeGreaterThan(150);
    expect(entries).toContain("packageErrors.PROJECT_NOT_FOUND");
    expect(entries).toContain("webErrors.FORM_INVALID");
  });

  it("only src/lib/errors.ts runs `new AppError(`: other code throws `someErrors.CODE()`", () => {
    expect(
      adHocErrors(sources, ALLOWED_APP_ERROR_FOLDERS),
      "add the error to its feature's errors.ts; an error received from elsewhere goes through reraise()",
    ).toEqual([]);
  });

  it("the AppError allow-list only shrinks: every listed folder still has an ad-hoc site", () => {
    const sites = adHocErrors(sources, []);
    const stale = ALLOWED_APP_ERROR_FOLDERS.filter((d) => !sites.some((s) => s.startsWith(d)));
    expect(stale, "remove these folders from architecture-allowances.ts").toEqual([]);
  });

  it("every catalogue entry is thrown somewhere", () => {
    const dead = unused.filter((e) => !ALLOWED_UNUSED_ERRORS.includes(e));
    expect(dead, "delete these entries, or throw them where they apply").toEqual([]);
  });

  it("the unused-entry allow-list only shrinks", () => {
    expect(
      ALLOWED_UNUSED_ERRORS.filter((e) => !unused.includes(e)),
      "remove these entries from architecture-allowances.ts",
    ).toEqual([]);
  });

  it("each catalogue has a name of its own, so `name.CODE` means one entry", () => {
    const names = new Map<string, Set<string>>();
    for (const [f, s] of sources)
      for (const e of catalogueEntries(f, s)) {
        const name = e.slice(0, e.indexOf("."));
        names.set(name, (names.get(name) ?? new Set<string>()).add(f));
      }
    expect([...names].filter(([, files]) => files.size > 1).map(([name]) => name)).toEqual([]);
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
  it("flags `new AppError(` outside src/lib/errors.ts and the allowed folders, not in comments or strings", () => {
    const sources: Sources = [
      [
        "web/x.ts",
        'import * as e from "../lib/errors.js";\nthrow new AppError(400, "X", "x");\nnew e.AppError(1, "Y", "y");',
      ],
      ["web/y.ts", '// never `new AppError(` here\nconst s = "new AppError(";\nthrow webErrors.X();'],
      ["lib/errors.ts", 'new AppError(1, "X", "x");'],
      ["authz/z.ts", "throw new AppError(d.status, d.code, d.reason);"],
    ];
    expect(adHocErrors(sources, ["authz/"])).toEqual(["web/x.ts:2", "web/x.ts:3"]);
  });

  it('flags a catalogue entry nobody reads; counts `x.CODE` and `x["CODE"]`; refuses a computed catalogue', () => {
    const sources: Sources = [
      [
        "a/errors.ts",
        'export const aErrors = catalogue({ USED: { status: 400, message: "u" }, INDEXED: { status: 400, message: "i" }, DEAD: { status: 404, message: "d" } });',
      ],
      ["a/use.ts", 'throw aErrors.USED();\nthrow aErrors["INDEXED"]("why");\nconst DEAD = "aErrors.DEAD";'],
      ["b/errors.ts", "export const bErrors = catalogue(entries);"],
    ];
    expect(unusedEntries(sources)).toEqual(["aErrors.DEAD", "bErrors.<not an object literal>"]);
  });
});
