import { randomUUID } from "node:crypto";
import { createServer, type ServerOptions } from "node:http";
import { join } from "node:path";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import pino from "pino";
import { registerAdmin, startAdoptionSnapshotJob, startDomainCheckJob } from "./admin/index.js";
import { registerApi } from "./api/index.js";
import type { Config } from "./config.js";
import { startCriticalityJob } from "./criticality/index.js";
import { migrateToLatest, openDatabase } from "./db/index.js";
import type { Deps } from "./deps.js";
import { createResolver, type DnsResolver } from "./dns/index.js";
import { startHousekeepingJobs } from "./housekeeping/index.js";
import { clientErrorHandler } from "./http/client-error.js";
import { registerErrorHandling } from "./http/error-handler.js";
import { ReplayCache } from "./http/replay.js";
import { type Clock, HOUR, systemClock } from "./lib/clock.js";
import { Keyring } from "./lib/crypto.js";
import { createMailer, settleBackground } from "./mail/index.js";
import { startNoticeJob } from "./mandates/index.js";
import { attachOutbox, startOutboxJob } from "./notify/index.js";
import { OidcVerifier } from "./oidc/index.js";
import { AccessLog, replayAccessLine } from "./ops/access-log.js";
import { registerOps } from "./ops/index.js";
import { stdoutLog } from "./ops/log-writer.js";
import { fastifyTrustProxy, hopCountWarning } from "./ops/trust-proxy.js";
import { ChangeFeed, DownloadCounter } from "./packages/index.js";
import { registerNpm } from "./protocols/npm/index.js";
import { registerPypi } from "./protocols/pypi/index.js";
import { registerRubygems } from "./protocols/rubygems/index.js";
import { createRateLimiters } from "./ratelimit/index.js";
import { startRecoveryJob } from "./recovery/index.js";
import { createBlobStore } from "./storage/index.js";
import { TokenUsage, VerifiedTokens } from "./tokens/index.js";
import { registerWeb } from "./web/index.js";

/** A request id from the load balancer is kept (for tracing across hops), otherwise we make one. */
const REQUEST_ID_HEADER = "x-request-id";

/** What Fastify passes its server factory: its own options, with the defaults filled in. */
interface ServerFactoryOptions {
  http?: ServerOptions;
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
  maxRequestsPerSocket?: number;
}

export interface BuildOptions {
  clock?: Clock;
  /** Pino options or false; tests pass { level: "silent" }. */
  logger?: { level: string } | false;
  /** The DNS the email-domain check asks; the real one (WHARF_DNS_SERVERS) unless a test passes a double. */
  dns?: DnsResolver;
}

export interface App {
  app: FastifyInstance;
  deps: Deps;
}

/**
 * The composition root: builds Deps from the config, then mounts every surface. Reading this file
 * top to bottom tells a newcomer where any request goes.
 */
export async function buildApp(
  config: Config & { secretKey: string },
  opts: BuildOptions = {},
): Promise<App> {
  // Lines gathered per event-loop turn, one write(2) each turn, flushed at exit (ops/log-writer.ts).
  const logDestination = stdoutLog();
  const logger = pino(
    { level: opts.logger === false ? "silent" : (opts.logger?.level ?? config.logLevel) },
    logDestination,
  );
  // Set once the change feed exists; requests before that go to Fastify as usual.
  let replay: ReplayCache | undefined;
  const trustProxy = fastifyTrustProxy(config.trustProxy);
  const app = Fastify({
    // Fastify's own server, with one step before it: public answers already sent once are replayed
    // without building a request, routing or running hooks (http/replay.ts). The options Fastify would
    // apply to its own server (timeouts, keep-alive, requests per socket) are applied here.
    serverFactory: (handler, options) => {
      const o = options as ServerFactoryOptions;
      const server = createServer(o.http ?? {}, (req, res) => {
        if (!replay?.serve(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = o.keepAliveTimeout ?? server.keepAliveTimeout;
      server.requestTimeout = o.requestTimeout ?? server.requestTimeout;
      server.setTimeout(o.connectionTimeout ?? 0);
      if (o.maxRequestsPerSocket) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
      return server;
    },
    // Batched log writes: a write(2) per access-log line was a large share of an index request's cost
    // (bench/pypi.mjs). What is gathered is flushed at shutdown (onClose below) and at exit.
    loggerInstance: logger as FastifyBaseLogger,
    // Never `true`: that believes the left-most X-Forwarded-For, which the client writes (ops/trust-proxy.ts).
    trustProxy,
    requestIdHeader: REQUEST_ID_HEADER,
    genReqId: () => randomUUID(),
    // The fast access-log line: this logger has no formatters, mixins, hooks or serializers (access-log.ts).
    logController: new AccessLog(true),
    // Requests the HTTP parser refuses get a reason phrase that says what was wrong (twine shows only that).
    clientErrorHandler,
  });
  const proxyWarning = hopCountWarning(config.trustProxy, config.host);
  if (proxyWarning) app.log.warn(proxyWarning);
  const handle = openDatabase(config.databaseUrl);
  const { db, dialect, close: closeDb } = handle;
  await migrateToLatest(handle, { keys: new Keyring(config.secretKey) });
  // The Redis client is imported only when Redis is configured (start-up cost, issue 15).
  const redis = config.redisUrl
    ? new (await import("ioredis")).Redis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false })
    : undefined;
  redis?.on("error", (e) => app.log.warn({ err: e }, "redis error"));

  const changes = new ChangeFeed(redis, config.redisPrefix, db);
  const replayCache = new ReplayCache(changes, REQUEST_ID_HEADER);
  replayCache.observeLog(replayAccessLine(app.log, config.trustProxy));
  const deps: Deps = {
    config,
    db,
    dialect,
    blobs: await createBlobStore(config),
    mailer: createMailer({
      outboxDir: join(config.dataDir, "outbox"),
      smtpUrl: config.smtpUrl,
      from: config.mailFrom,
      logger: app.log,
    }),
    clock: opts.clock ?? systemClock,
    keys: new Keyring(config.secretKey),
    limits: createRateLimiters({ redis, prefix: config.redisPrefix }),
    redis,
    log: app.log,
    changes,
    downloads: new DownloadCounter(db),
    // Verified tokens are kept briefly; revocations reach every instance through `changes` (tokens/cache.ts).
    tokenUsage: new TokenUsage(db, new VerifiedTokens(changes, config.tokenCacheMs)),
    oidc: new OidcVerifier(config.oidcProviders, () => (opts.clock ?? systemClock).now()),
    replay: replayCache,
  };
  // Leftovers of a crashed upload. A filesystem store belongs to this instance alone (several instances
  // share S3, not a data dir; `wharf serve` holds the data dir's lock, storage/data-dir.ts), so all its
  // temp files are stale; in S3, only give up on old ones.
  const swept = await deps.blobs.sweepTemp(deps.blobs.kind === "fs" ? 0 : HOUR);
  if (swept) app.log.info({ swept }, "removed temporary blobs left by an interrupted upload");
  deps.downloads.start();
  await deps.changes.listen();
  // Security mail queued with its event is sent when its transaction commits; the job sends what a
  // crash or a mail outage left behind.
  const detachOutbox = attachOutbox(deps);
  const stopOutbox = startOutboxJob(deps);
  const stopNotices = startNoticeJob(deps);
  // Daily criticality ranking and statistics roll-up: every instance checks, a lease lets one run it.
  const stopCriticality = startCriticalityJob(deps);
  // Daily MFA adoption snapshot for the console's charts (a lease lets one instance take it).
  const stopSnapshots = startAdoptionSnapshotJob(deps);
  deps.tokenUsage.start();
  // Account recoveries whose waiting period is over: completed (or lapsed) by one instance at a time.
  const stopRecoveries = startRecoveryJob(deps);
  // Email domains whose mail hosts vanished (a lapsed registration): marked abandoned after days of
  // evidence, by one instance at a time (admin/domain-check.ts).
  const stopDomainChecks = startDomainCheckJob(deps, opts.dns ?? createResolver(config));
  // Blobs and file rows reconciled both ways (start-up run in the background, then periodically) and
  // spent records purged in batches; leased (housekeeping/).
  const stopHousekeeping = startHousekeepingJobs(deps);

  // Callback-style hooks on the hot path: no promise per request.
  const { hsts } = config;
  app.addHook("onSend", (req, reply, payload, done) => {
    reply.header("x-request-id", req.id);
    // HSTS on every response of an https origin: after one visit a browser never tries plain http again,
    // so an attacker on the network cannot strip TLS from the sign-in page (RFC 6797).
    if (hsts) reply.header("strict-transport-security", hsts);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "same-origin");
    if (String(reply.getHeader("content-type") ?? "").startsWith("text/html")) {
      reply.header("x-frame-options", "DENY");
      reply.header(
        "content-security-policy",
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
      );
    }
    replayCache.payload(req, payload);
    done(null, payload);
  });
  // After the metrics' hook (registerOps, below, adds its own): a kept answer is replayed only once the
  // one it copies has been counted and logged.
  app.addHook("onResponse", (req, reply, done) => {
    replayCache.keep(req, reply);
    done();
  });
  app.addHook("onClose", async () => {
    // Mail and lookups queued after a response still need the database and the mailer.
    await settleBackground();
    stopNotices();
    await stopRecoveries();
    await stopHousekeeping();
    await stopCriticality();
    await stopSnapshots();
    await stopDomainChecks();
    await stopOutbox();
    detachOutbox();
    // Flush batched counters before the database goes away (graceful shutdown keeps every download).
    await deps.downloads.stop();
    await deps.tokenUsage.stop();
    deps.changes.close();
    await deps.mailer.close();
    redis?.disconnect();
    await closeDb();
    // Whatever was logged while stopping (the process may exit right after: main.ts).
    logDestination.flushSync();
  });

  await app.register(cookie);
  // Only now may answers be replayed: registerOps (below) hands the replay its metrics.
  replay = replayCache;
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  registerErrorHandling(app, deps);
  registerOps(app, deps);
  await registerPypi(app, deps);
  await registerApi(app, deps);
  await registerWeb(app, deps);
  await registerAdmin(app, deps);
  await registerNpm(app, deps);
  await registerRubygems(app, deps);
  return { app, deps };
}
