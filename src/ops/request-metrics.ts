import { Counter, type Metric, type Registry } from "prom-client";

/*
 * wharf_http_requests_total and wharf_http_request_duration_seconds, counted as plain numbers per
 * series and handed to Prometheus's client at scrape time (issue 15, small responses). prom-client
 * validates and hashes the labels on every inc() and observe(), even through a label child: ~4.5 µs
 * per request in a profile of replayed answers (`record` and its callees, a third of the replay's own
 * work besides the kernel's writev), where the bare server's whole request costs ~30 µs. Here a request
 * costs a Map lookup and a few additions; a scrape does the label work once per series.
 *
 * The exposition is the one prom-client's Counter and Histogram write for the same requests, byte for
 * byte (request-metrics.test.ts feeds both and compares): the counter is prom-client's own, filled at
 * scrape; the histogram is a metric object in the format its registry reads (Registry.registerMetric).
 */

/** Latency buckets, seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** One line of the exposition as prom-client's registry reads it. */
interface Value {
  labels: Record<string, string | number>;
  /** The series' labels (a histogram's), written after `labels`. */
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
  exemplar?: null;
}

interface Counted {
  labels: { method: string; route: string; status: string };
  n: number;
}

interface Timed {
  labels: { method: string; route: string };
  /** Requests per bucket (not cumulative); the last slot is above every bound. */
  perBucket: number[];
  sum: number;
  count: number;
}

export class RequestMetrics {
  private readonly counted = new Map<string, Counted>();
  private readonly timed = new Map<string, Timed>();

  /** One answered request: its method, route pattern (never the URL), status and time in ms. */
  readonly record = (method: string, route: string, status: number, elapsedMs: number): void => {
    const key = `${method} ${route}`;
    const ckey = `${key} ${status}`;
    const c = this.counted.get(ckey);
    if (c) c.n++;
    else this.counted.set(ckey, { labels: { method, route, status: String(status) }, n: 1 });
    let t = this.timed.get(key);
    if (!t) {
      t = {
        labels: { method, route },
        perBucket: new Array(LATENCY_BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      this.timed.set(key, t);
    }
    const s = elapsedMs / 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && s > LATENCY_BUCKETS[i]!) i++;
    t.perBucket[i]!++;
    t.sum += s;
    t.count++;
  };

  /** Adds both metrics to `registry`. */
  register(registry: Registry): void {
    const counted = this.counted;
    new Counter({
      name: "wharf_http_requests_total",
      help: "HTTP requests by route pattern, method and status",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const c of counted.values()) this.inc(c.labels, c.n);
      },
    });
    registry.registerMetric(this.histogram() as unknown as Metric);
  }

  /** The latency histogram as prom-client's registry reads a metric: name, help, type and values. */
  private histogram() {
    const name = "wharf_http_request_duration_seconds";
    const help = "HTTP request latency by route pattern";
    const forPromString = () => {
      const values: Value[] = [];
      for (const t of this.timed.values()) {
        let acc = 0;
        LATENCY_BUCKETS.forEach((le, i) => {
          acc += t.perBucket[i]!;
          values.push({
            labels: { le },
            sharedLabels: t.labels,
            value: acc,
            metricName: `${name}_bucket`,
            exemplar: null,
          });
        });
        values.push(
          {
            labels: { le: "+Inf" },
            sharedLabels: t.labels,
            value: t.count,
            metricName: `${name}_bucket`,
            exemplar: null,
          },
          { labels: {}, sharedLabels: t.labels, value: t.sum, metricName: `${name}_sum` },
          { labels: {}, sharedLabels: t.labels, value: t.count, metricName: `${name}_count` },
        );
      }
      return { name, help, type: "histogram", values, aggregator: "sum" };
    };
    return {
      name,
      help,
      type: "histogram",
      aggregator: "sum",
      getForPromString: async () => forPromString(),
      // getMetricsAsJSON's form: each value's labels with the series' labels merged in.
      get: async () => {
        const m = forPromString();
        return {
          ...m,
          values: m.values.map(({ sharedLabels, ...v }) => ({
            ...v,
            labels: { ...v.labels, ...sharedLabels },
          })),
        };
      },
      reset: () => this.timed.clear(),
    };
  }
}
