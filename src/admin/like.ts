/** A LIKE pattern matching `q` anywhere, its wildcards taken literally (use with `escape '\\'`). */
export function likeContains(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
