import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { Counter, collectDefaultMetrics, Registry } from "prom-client";
// The module itself, not admin/index.ts: /metrics must not load the console's routes and pages.
import { registerOperatorMetrics } from "../admin/metrics.js";
import type { Deps } from "../deps.js";
import { type MetricsListener, metricsRefusal, startMetricsListener } from "./metrics-access.js";
import { RequestMetrics } from "./request-metrics.js";

/**
 * /healthz (the process is up), /readyz (it can serve: database, blob store and Redis, if used, answer) and /metrics
 * (Prometheus). Each app has its own registry so several in one process (tests) do not collide.
 * /metrics is not public: see metrics-access.ts for who may read it.
 */
export function registerOps(app: FastifyInstance, deps: Deps): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "wharf_" });
  registerOperatorMetrics(registry, deps);
  // Counted as plain numbers and handed to prom-client at scrape (request-metrics.ts): its per-call
  // label validation and hashing was a third of a replayed answer's own work.
  const metrics = new RequestMetrics();
  metrics.register(registry);
  const { record } = metrics;
  app.addHook("onResponse", (req, reply, done) => {
    // The route pattern, not the URL: /simple/<name>/ must not create one series per project.
    record(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime);
    done();
  });
  // Answers replayed before Fastify (http/replay.ts) are counted under the route that first served them,
  // and in a total of their own (so an operator can see how much of the traffic they are).
  deps.replay.observeMetrics(record);
  new Counter({
    name: "wharf_http_replayed_total",
    help: "Requests answered by replaying a kept public answer (also counted in wharf_http_requests_total)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(deps.replay.served);
    },
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const checks: Record<string, string> = {};
    await sql`select 1`.execute(deps.db).then(
      () => (checks.database = "ok"),
      (e: Error) => (checks.database = e.message),
    );
    await deps.blobs.ping().then(
      () => (checks.blobs = "ok"),
      (e: Error) => (checks.blobs = e.message),
    );
    // Shared rate limits fail closed (503) while Redis is not connected: an instance that would refuse
    // every sign-in must not receive traffic from the load balancer yet.
    if (deps.redis) checks.redis = deps.redis.status === "ready" ? "ok" : `redis is ${deps.redis.status}`;
    const ready = Object.values(checks).every((v) => v === "ok");
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
  });
  const { metricsAddress, metricsToken } = deps.config;
  let listener: MetricsListener | undefined;
  if (metricsAddress) {
    // Started with the app (a port that cannot be bound stops start-up), never on the public listener.
    app.addHook("onReady", async () => {
      listener = await startMetricsListener({ metricsAddress, metricsToken }, registry, app.log);
    });
    app.addHook("onClose", async () => listener?.close());
  } else {
    app.get("/metrics", async (req, reply) => {
      const refusal = metricsRefusal({ metricsToken }, req.raw);
      if (refusal) throw refusal;
      return reply.header("content-type", registry.contentType).send(await registry.metrics());
    });
  }
  return registry;
}
