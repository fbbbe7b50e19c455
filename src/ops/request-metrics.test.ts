import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS, RequestMetrics } from "./request-metrics.js";

/** The same two metrics as prom-client's own Counter and Histogram, fed one request at a time. */
function reference() {
  const registry = new Registry();
  const requests = new Counter({
    name: "wharf_http_requests_total",
    help: "HTTP requests by route pattern, method and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "wharf_http_request_duration_seconds",
    help: "HTTP request latency by route pattern",
    labelNames: ["method", "route"] as const,
    buckets: [...LATENCY_BUCKETS],
    registers: [registry],
  });
  const record = (method: string, route: string, status: number, ms: number) => {
    requests.inc({ method, route, status: String(status) });
    latency.observe({ method, route }, ms / 1000);
  };
  return { registry, record };
}

describe("request metrics counted as plain numbers", () => {
  it("expose what prom-client's Counter and Histogram expose for the same requests, text and JSON", async () => {
    const ours = new RequestMetrics();
    const registry = new Registry();
    ours.register(registry);
    const theirs = reference();
    // Every bucket, its bounds exactly, above the last, zero, and routes with characters to escape.
    const times = [
      0, 1, 4.9, 5, 5.1, 10, 24, 25, 49, 50, 99, 100, 250, 499, 500, 999, 1000, 2500, 5000, 10_000, 12_000,
    ];
    const routes = ["/simple/:name/", "/npm/:name", 'odd "route" \\ with\nescapes'];
    times.forEach((ms, i) => {
      const route = routes[i % routes.length]!;
      const status = [200, 304, 404][i % 3]!;
      for (const r of [ours.record, theirs.record]) r(i % 4 ? "GET" : "HEAD", route, status, ms);
    });
    expect(await registry.metrics()).toBe(await theirs.registry.metrics());
    expect(await registry.getMetricsAsJSON()).toEqual(await theirs.registry.getMetricsAsJSON());
    // A scrape does not count twice: the counter is filled from the numbers, not added to them.
    ours.record("GET", "/npm/:name", 200, 3);
    theirs.record("GET", "/npm/:name", 200, 3);
    expect(await registry.metrics()).toBe(await theirs.registry.metrics());
  });

  it("expose nothing before the first request, as prom-client does", async () => {
    const registry = new Registry();
    new RequestMetrics().register(registry);
    expect(await registry.metrics()).toBe(await reference().registry.metrics());
  });
});
