import ts from "typescript";

/**
 * Reads, for src/architecture.test.ts, where errors are made: `new AppError(` sites, the entries of
 * every `catalogue({ ... })`, and the `catalogueName.CODE` uses. TypeScript parser, no regular
 * expressions over code: a comment or a string that mentions `new AppError(` does not count.
 */
const parse = (file: string, source: string) =>
  ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

/** "file:line" of every `new AppError(...)` in one file. */
export function appErrorConstructions(file: string, source: string): string[] {
  const sf = parse(file, source);
  const out: string[] = [];
  walk(sf, (n) => {
    if (!ts.isNewExpression(n)) return;
    const callee = n.expression;
    const name = ts.isIdentifier(callee)
      ? callee.text
      : ts.isPropertyAccessExpression(callee)
        ? callee.name.text
        : "";
    if (name === "AppError") out.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`);
  });
  return out;
}

/** Every entry of every `const name = catalogue({ CODE: {...}, ... })` in one file, as "name.CODE". */
export function catalogueEntries(file: string, source: string): string[] {
  const out: string[] = [];
  walk(parse(file, source), (n) => {
    if (!ts.isVariableDeclaration(n) || !ts.isIdentifier(n.name) || !n.initializer) return;
    const init = n.initializer;
    if (
      !ts.isCallExpression(init) ||
      !ts.isIdentifier(init.expression) ||
      init.expression.text !== "catalogue"
    )
      return;
    const [arg] = init.arguments;
    // A catalogue built from anything but an object literal cannot be checked: refuse it (fail closed).
    if (!arg || !ts.isObjectLiteralExpression(arg)) {
      out.push(`${n.name.text}.<not an object literal>`);
      return;
    }
    for (const p of arg.properties) {
      const key =
        p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : "<computed>";
      out.push(`${n.name.text}.${key}`);
    }
  });
  return out;
}

/** Every `something.CODE` and `something["CODE"]` in one file, as "something.CODE". */
export function catalogueUses(file: string, source: string): string[] {
  const out: string[] = [];
  walk(parse(file, source), (n) => {
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression))
      out.push(`${n.expression.text}.${n.name.text}`);
    else if (
      ts.isElementAccessExpression(n) &&
      ts.isIdentifier(n.expression) &&
      ts.isStringLiteralLike(n.argumentExpression)
    )
      out.push(`${n.expression.text}.${n.argumentExpression.text}`);
  });
  return out;
}
