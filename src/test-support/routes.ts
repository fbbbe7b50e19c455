import type { FastifyInstance } from "fastify";

/**
 * Every route the app registered, as "METHOD /path", read from Fastify's own route tree (HEAD left
 * out). A wildcard route shows as "/*" without its static prefix (how printRoutes draws it); check
 * those with app.hasRoute().
 */
export function registeredRoutes(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+) \(([^)]*)\)/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? "").length / 4;
    stack.length = depth;
    stack.push(m[2] ?? "");
    for (const method of (m[3] ?? "").split(", "))
      if (method !== "HEAD") out.push(`${method} ${stack.join("")}`);
  }
  return out;
}
