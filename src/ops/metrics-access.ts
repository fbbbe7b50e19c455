import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import type { Registry } from "prom-client";
import type { Config } from "../config.js";
import { safeEqual } from "../lib/crypto.js";
import type { AppError } from "../lib/errors.js";
import { opsErrors } from "./errors.js";

/**
 * Who may read /metrics. It tells, among other things, how many maintainers of critical projects have no
 * security key: a target list for phishing. So it is never public by default:
 * - WHARF_METRICS_TOKEN set: a matching `Authorization: Bearer` token, wherever the scraper is;
 * - WHARF_METRICS_ADDRESS set: served only on that listener (its network placement is the control);
 * - neither: loopback peers only, judged by the socket (`req.ip` may come from X-Forwarded-For), and
 *   never a proxied request: a reverse proxy on the same host connects from loopback for everyone.
 */
export type MetricsAccess = Pick<Config, "metricsToken" | "metricsAddress">;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const FORWARDING_HEADERS = ["x-forwarded-for", "forwarded", "x-real-ip"];

/** Why this request may not read the metrics, or null when it may. */
export function metricsRefusal(access: MetricsAccess, raw: IncomingMessage): AppError | null {
  if (access.metricsToken) {
    const header = raw.headers.authorization ?? "";
    const token = header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : "";
    if (token && safeEqual(token, access.metricsToken)) return null;
    return opsErrors.METRICS_TOKEN_REQUIRED(undefined, {
      headers: { "www-authenticate": 'Bearer realm="metrics"' },
    });
  }
  if (access.metricsAddress) return null;
  const local = LOOPBACK.test(raw.socket.remoteAddress ?? "");
  if (local && !FORWARDING_HEADERS.some((h) => raw.headers[h] !== undefined)) return null;
  return opsErrors.METRICS_LOOPBACK_ONLY();
}

export interface MetricsListener {
  address(): AddressInfo;
  close(): Promise<void>;
}

/** /metrics on a listener of its own (WHARF_METRICS_ADDRESS); everything else there is a 404. */
export async function startMetricsListener(
  access: MetricsAccess & { metricsAddress: { host: string; port: number } },
  registry: Registry,
  log: FastifyBaseLogger,
): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    const refusal =
      path !== "/metrics" || req.method !== "GET" ? opsErrors.NOT_FOUND() : metricsRefusal(access, req);
    if (refusal) {
      res.writeHead(refusal.status, { "content-type": "text/plain; charset=utf-8", ...refusal.headers });
      res.end(`${refusal.message}\n`);
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { "content-type": registry.contentType });
        res.end(text);
      },
      (e: unknown) => {
        log.error({ err: e }, "metrics could not be collected");
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("Metrics could not be collected.\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(access.metricsAddress.port, access.metricsAddress.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  log.info(`Metrics are served on ${address.address}:${address.port}/metrics`);
  return {
    address: () => address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
