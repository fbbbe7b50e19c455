import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "../accounts/index.js";
import { ChangeFeed } from "../packages/index.js";
import { publishBody } from "../protocols/npm/test-fixtures.js";
import {
  createTestApp,
  createTwoInstances,
  missing,
  type TestApp,
  type TwoInstances,
  testDatabases,
} from "../test-support/index.js";
import { revokeUserToken } from "../tokens/index.js";
import { insertToken } from "../tokens/store.js";
import { ReplayCache } from "./replay.js";
import { get, listening, publishNpm } from "./test-fixtures.js";

/*
 * Threats to answers replayed before Fastify (http/replay.ts): a replay must never stand in for a check
 * the route makes per request, never outlive the data it was rendered from, and never be grown
 * without bound by a client choosing header values.
 */
describe.each(testDatabases())("replayed answers: threats (%s)", (kind) => {
  let t: TestApp;
  let port: number;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    ({ token } = await publishNpm(t, "demo", ["1.0.0"]));
    port = await listening(t);
  });
  afterAll(async () => t.close());

  it("still refuses a dead npm token with 401 while the anonymous answer is replayed", async () => {
    await get(port, "/npm/demo");
    const before = t.deps.replay.served;
    const anonymous = await get(port, "/npm/demo");
    expect(anonymous.status).toBe(200);
    expect(t.deps.replay.served).toBe(before + 1);
    const dead = await get(port, "/npm/demo", { authorization: "Bearer wharf_not_a_real_token" });
    expect(dead.status).toBe(401);
    // A live token the verified-token cache vouches for gets the same answer, replayed.
    const served = t.deps.replay.served;
    const live = await get(port, "/npm/demo", { authorization: `Bearer ${token}` });
    expect(t.deps.replay.served).toBe(served + 1);
    expect(live).toEqual(anonymous);
  });

  it("sends a token used from outside its allowed addresses to the route, which refuses it", async () => {
    const { user } = await publishNpm(t, "cidr-demo", ["1.0.0"]);
    const { token: narrow, id } = await insertToken(t.deps.db, t.clock.now(), {
      userId: user.id,
      name: "office only",
      projectIds: null,
      expiresAt: null,
      issuedBy: "user",
    });
    await t.deps.db
      .updateTable("api_tokens")
      .set({ cidr_whitelist: JSON.stringify(["10.0.0.0/8"]) })
      .where("id", "=", id)
      .execute();
    await get(port, "/npm/cidr-demo/1.0.0");
    const before = t.deps.replay.served;
    for (let i = 0; i < 2; i++)
      expect((await get(port, "/npm/cidr-demo/1.0.0", { authorization: `Bearer ${narrow}` })).status).toBe(
        403,
      );
    expect(t.deps.replay.served).toBe(before);
  });

  it("sends an expired token to the route, which says so", async () => {
    const { user } = await publishNpm(t, "expiry-demo", ["1.0.0"]);
    const { token: brief } = await insertToken(t.deps.db, t.clock.now(), {
      userId: user.id,
      name: "brief",
      projectIds: null,
      expiresAt: t.clock.now() + 60_000,
      issuedBy: "user",
    });
    const auth = { authorization: `Bearer ${brief}` };
    for (let i = 0; i < 2; i++) expect((await get(port, "/npm/expiry-demo/1.0.0", auth)).status).toBe(200);
    t.clock.advance(61_000);
    expect((await get(port, "/npm/expiry-demo/1.0.0", auth)).status).toBe(401);
  });

  it("does not answer a revoked npm token from an answer it got while it was live", async () => {
    const { user } = await publishNpm(t, "revoked-demo", ["1.0.0"]);
    const { token: live, id } = await insertToken(t.deps.db, t.clock.now(), {
      userId: user.id,
      name: "soon revoked",
      projectIds: null,
      expiresAt: null,
      issuedBy: "user",
    });
    const auth = { authorization: `Bearer ${live}` };
    for (let i = 0; i < 2; i++) expect((await get(port, "/npm/revoked-demo/1.0.0", auth)).status).toBe(200);
    await revokeUserToken(t.deps, { ip: "127.0.0.1" }, user, id);
    expect((await get(port, "/npm/revoked-demo/1.0.0", auth)).status).toBe(401);
  });

  it("never replays to a request that carries a cookie", async () => {
    await get(port, "/npm/demo/1.0.0");
    const before = t.deps.replay.served;
    expect((await get(port, "/npm/demo/1.0.0", { cookie: "wharf_session=x" })).status).toBe(200);
    expect(t.deps.replay.served).toBe(before);
  });

  it("never replays a Range request, so the route decides what part to send", async () => {
    await get(port, "/npm/demo/-/demo-1.0.0.tgz");
    const before = t.deps.replay.served;
    await get(port, "/npm/demo/-/demo-1.0.0.tgz", { range: "bytes=0-9" });
    expect(t.deps.replay.served).toBe(before);
  });

  it("drops the replay when the package changes: the next read shows the new version", async () => {
    for (let i = 0; i < 2; i++)
      expect(JSON.parse((await get(port, "/npm/demo/latest")).body.toString()).version).toBe("1.0.0");
    await publishNpm(t, "demo-other", ["0.1.0"]); // another package's change keeps demo's replay
    const before = t.deps.replay.served;
    await get(port, "/npm/demo/latest");
    expect(t.deps.replay.served).toBe(before + 1);
    const res = await t.app.inject({
      method: "PUT",
      url: "/npm/demo",
      payload: await publishBody("demo", "1.1.0"),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(201);
    expect(JSON.parse((await get(port, "/npm/demo/latest")).body.toString()).version).toBe("1.1.0");
  });

  it("keeps at most a few variants of one URL however many header values clients send", async () => {
    const start = t.deps.replay.size;
    for (let i = 0; i < 20; i++) await get(port, "/npm/demo", { "accept-encoding": `gzip;q=0.${i + 1}` });
    expect(t.deps.replay.size - start).toBeLessThanOrEqual(8);
  });
});

describe("replayed answers: the generation guard", () => {
  const noop = () => undefined;
  function setup() {
    const changes = new ChangeFeed(undefined, "test:");
    const replay = new ReplayCache(changes, "x-request-id");
    replay.observeLog(noop);
    replay.observeMetrics(noop);
    return { changes, replay };
  }
  const raw = () => ({ method: "GET", url: "/x", headers: {} }) as unknown as IncomingMessage;
  const reply = { statusCode: 200, getHeaders: () => ({ "content-type": "text/plain" }) };
  const answer = (replay: ReplayCache, req: IncomingMessage, between?: () => void) => {
    expect(replay.serve(req, {} as ServerResponse)).toBe(false);
    replay.allow({ raw: req }, "p1");
    replay.payload({ raw: req }, Buffer.from("old"));
    between?.();
    replay.keep({ raw: req, routeOptions: { url: "/x" } }, reply);
  };

  it("keeps an answer whose request saw no change", () => {
    const { replay } = setup();
    answer(replay, raw());
    expect(replay.size).toBe(1);
  });

  it("does not keep an answer when a change arrived while its request was being served", async () => {
    const { changes, replay } = setup();
    answer(replay, raw(), () => void changes.publish("unrelated-project"));
    await new Promise((r) => setImmediate(r));
    expect(replay.size).toBe(0);
  });

  it("drops a kept answer when its project changes, and only then", async () => {
    const { changes, replay } = setup();
    answer(replay, raw());
    await changes.publish("another");
    expect(replay.size).toBe(1);
    await changes.publish("p1");
    expect(replay.size).toBe(0);
  });

  it("does not keep an answer a handler did not allow, nor one with a cookie set", () => {
    const { replay } = setup();
    const a = raw();
    expect(replay.serve(a, {} as ServerResponse)).toBe(false);
    replay.payload({ raw: a }, Buffer.from("x"));
    replay.keep({ raw: a, routeOptions: { url: "/x" } }, reply);
    const b = raw();
    expect(replay.serve(b, {} as ServerResponse)).toBe(false);
    replay.allow({ raw: b }, "p1");
    replay.payload({ raw: b }, Buffer.from("x"));
    replay.keep(
      { raw: b, routeOptions: { url: "/x" } },
      { statusCode: 200, getHeaders: () => ({ "set-cookie": "s=1" }) },
    );
    expect(replay.size).toBe(0);
  });
});

// A load-balanced pair: a publish on one instance must end the other's replay of the package (the
// change feed over Redis, or the database's change log without it), as it ends its rendered caches.
describe.each([true, false])("replayed answers across instances (Redis: %s)", (redis) => {
  const skip = missing("replayed answers across instances", "postgres", ...(redis ? ["redis" as const] : []));
  let instances: TwoInstances | undefined;
  it.skipIf(skip)("drops a package's replay on the other instance when one publishes", async () => {
    instances = await createTwoInstances({ redis });
    const { a, b } = instances;
    const user = await registerUser(
      a.deps,
      { ip: "127.0.0.1" },
      { username: "alice", email: "alice@example.com", password: "correct horse battery", verified: true },
      { viaOperator: true },
    );
    const { token } = await insertToken(a.deps.db, Date.now(), {
      userId: user.id,
      name: "t",
      projectIds: null,
      expiresAt: null,
      issuedBy: "user",
    });
    const put = (v: string) =>
      publishBody("multi", v).then((payload) =>
        a.app.inject({
          method: "PUT",
          url: "/npm/multi",
          payload,
          headers: { authorization: `Bearer ${token}` },
        }),
      );
    expect((await put("1.0.0")).statusCode).toBe(201);
    await b.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (b.app.server.address() as AddressInfo).port;
    const latest = async () => JSON.parse((await get(port, "/npm/multi/latest")).body.toString()).version;
    // b may hear of a's first publish after its first rendering began (the change log is polled): the
    // generation guard then sends that answer without keeping it, so ask until one is replayed.
    for (let i = 0; i < 40 && b.deps.replay.served === 0; i++) {
      expect(await latest()).toBe("1.0.0");
      if (b.deps.replay.served === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(b.deps.replay.served).toBeGreaterThan(0);
    expect((await put("1.1.0")).statusCode).toBe(201);
    let seen = await latest();
    for (let i = 0; i < 60 && seen !== "1.1.0"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await latest();
    }
    expect(seen).toBe("1.1.0");
  });
  afterAll(async () => instances?.close());
});
