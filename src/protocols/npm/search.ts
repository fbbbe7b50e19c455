import type { FastifyInstance } from "fastify";
import type { Deps } from "../../deps.js";
import { listMembers, searchEcosystem } from "../../packages/index.js";
import { projectHref } from "../../web/index.js";
import type { PackageStates } from "./state.js";

const int = (v: unknown, def: number, max: number) => {
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : def;
};

/** `GET /npm/-/v1/search?text=&size=&from=` in the shape `npm search` reads (libnpmsearch). */
export function registerSearch(app: FastifyInstance, deps: Deps, states: PackageStates): void {
  app.get("/npm/-/v1/search", async (req) => {
    const q = req.query as Record<string, unknown>;
    const text = typeof q.text === "string" ? q.text.slice(0, 200) : "";
    const size = int(q.size, 20, 250);
    const from = int(q.from, 0, 10_000);
    const { total, projects } = await searchEcosystem(deps.db, "npm", text, size, from);
    const objects = [];
    for (const p of projects) {
      const latest = (await states.get(p.name))?.latest;
      if (!latest) continue;
      const members = (await listMembers(deps.db, p.id)).map((m) => ({ username: m.username, email: "" }));
      objects.push({
        package: {
          name: p.name,
          scope: p.name.startsWith("@") ? p.name.slice(1, p.name.indexOf("/")) : "unscoped",
          version: latest.version,
          description: latest.description,
          keywords: latest.keywords,
          date: latest.date,
          links: { npm: `${deps.config.origin}${projectHref(p)}` },
          publisher: members[0] ?? { username: "", email: "" },
          maintainers: members,
        },
        score: { final: 1, detail: { quality: 1, popularity: 1, maintenance: 1 } },
        searchScore: 1,
      });
    }
    return { objects, total, time: new Date(deps.clock.now()).toUTCString() };
  });
}
