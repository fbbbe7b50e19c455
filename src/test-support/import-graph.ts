import { readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/**
 * Reads the import graph of src/ for src/architecture.test.ts with the TypeScript parser (no regular
 * expressions over code, so comments and strings cannot fool it).
 */
const rel = (src: string, abs: string) => relative(src, abs).split("\\").join("/");

export interface ImportEdge {
  from: string;
  /** Relative to src/ for files inside it, else the module specifier as written ("node:fs", "semver"). */
  to: string;
  internal: boolean;
  /** Erased at compile time (`import type`, `export type`, `import("x").T` in a type). */
  typeOnly: boolean;
  /** `await import(...)`: loaded when first called, so it cannot form a load-time cycle. */
  dynamic: boolean;
}

export function isTestCode(file: string): boolean {
  return (
    /\.test\.tsx?$/.test(file) || /(^|\/)test-fixtures\.tsx?$/.test(file) || file.startsWith("test-support/")
  );
}

export function productionFiles(src: string, dir = src): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...productionFiles(src, abs));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") && !isTestCode(rel(src, abs)))
      out.push(rel(src, abs));
  }
  return out.sort();
}

function resolveInternal(src: string, from: string, spec: string, known: Set<string>): string {
  const base = rel(src, resolve(src, dirname(from), spec)).replace(/\.js$/, "");
  for (const candidate of [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`])
    if (known.has(candidate)) return candidate;
  return base; // outside src/ or unresolvable: kept so the rules still see where it points
}

/** Every import of one file, read with the TypeScript parser (no regular expressions over code). */
export function importsOf(src: string, file: string, source: string, known: Set<string>): ImportEdge[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TSX);
  const edges: ImportEdge[] = [];
  const add = (spec: string, typeOnly: boolean, dynamic: boolean) => {
    const internal = spec.startsWith(".");
    edges.push({
      from: file,
      to: internal ? resolveInternal(src, file, spec, known) : spec,
      internal,
      typeOnly,
      dynamic,
    });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier))
      // `import { type A }` still loads the module under verbatimModuleSyntax; only `import type` is erased.
      add(node.moduleSpecifier.text, node.importClause?.isTypeOnly ?? false, false);
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      add(node.moduleSpecifier.text, node.isTypeOnly, false);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) add(e.text, node.isTypeOnly, false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) add(arg.literal.text, true, false);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === "require"))
    ) {
      const [arg] = node.arguments;
      // A computed specifier could hide any import: refuse rather than guess (fail closed).
      add(arg && ts.isStringLiteralLike(arg) ? arg.text : "<computed>", false, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

/** Strongly connected components with more than one file (or a file importing itself): the cycles. */
export function cycles(files: string[], edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges)
    if (e.internal && !e.typeOnly && !e.dynamic && next.has(e.to)) next.get(e.from)!.push(e.to);
  // Tarjan's algorithm, iterative so a deep import chain cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of files) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const top = work.at(-1)!;
      const succ = next.get(top.node)!;
      if (top.i < succ.length) {
        const w = succ[top.i++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== top.node);
        if (scc.length > 1 || succ.includes(top.node)) out.push(scc.sort());
      }
    }
  }
  return out;
}
