import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { ChangeFeed } from "../packages/index.js";
import { ANY_PROJECT, type Loaded, RenderCache, rendered } from "./render-cache.js";
import { acceptsGzip, sendRendered } from "./send.js";

/** A load the test finishes by hand, to place a change between the database read and the store. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const entry = (value: string, group = "p1"): Loaded<string> => ({ value, group, bytes: value.length });

describe("render cache", () => {
  it("does not keep a first load that was in flight when its project changed", async () => {
    const feed = new ChangeFeed(undefined, "t:");
    const cache = new RenderCache<string>(feed);
    const slow = deferred<Loaded<string>>();
    const first = cache.get("pkg", () => slow.promise);
    await feed.publish("p1"); // the upload commits after the read, before the store
    // A request arriving after the commit does not join the load that read before it.
    let loads = 0;
    const fresh = cache.get("pkg", async () => {
      loads++;
      return entry("v2");
    });
    slow.resolve(entry("v1"));
    expect(await first).toBe("v1"); // its own request still gets an answer
    expect(await fresh).toBe("v2");
    expect(await cache.get("pkg", async () => entry("v3"))).toBe("v2");
    expect(loads).toBe(1);
  });

  it("shares one load between concurrent requests and serves hits without loading", async () => {
    const cache = new RenderCache<string>(new ChangeFeed(undefined, "t:"));
    let loads = 0;
    const load = async () => {
      loads++;
      return entry("v1");
    };
    const [a, b] = await Promise.all([cache.get("pkg", load), cache.get("pkg", load)]);
    expect([a, b, await cache.get("pkg", load), loads]).toEqual(["v1", "v1", "v1", 1]);
    // A hit hands back the stored promise itself: no new promise per request on the hot path.
    expect(cache.get("pkg", load)).toBe(cache.get("pkg", load));
  });

  it("drops a project's entries, and the any-project listing, when the feed names the project", async () => {
    const feed = new ChangeFeed(undefined, "t:");
    const cache = new RenderCache<string>(feed);
    await cache.get("a", async () => entry("a1", "p1"));
    await cache.get("b", async () => entry("b1", "p2"));
    await cache.get("root", async () => entry("r1", ANY_PROJECT));
    await feed.publish("p1");
    expect(await cache.get("a", async () => entry("a2", "p1"))).toBe("a2");
    expect(await cache.get("b", async () => entry("b2", "p2"))).toBe("b1");
    expect(await cache.get("root", async () => entry("r2", ANY_PROJECT))).toBe("r2");
    await feed.publish("*");
    expect(await cache.get("b", async () => entry("b3", "p2"))).toBe("b3");
  });

  it("keeps neither not-found nor failed loads, and holds its byte budget", async () => {
    const cache = new RenderCache<string>(new ChangeFeed(undefined, "t:"), { maxBytes: 5 });
    expect(await cache.get("x", async () => null)).toBeNull();
    expect(await cache.get("x", async () => entry("found"))).toBe("found");
    await expect(cache.get("y", () => Promise.reject(new Error("db down")))).rejects.toThrow("db down");
    expect(await cache.get("y", async () => entry("y"))).toBe("y");
    // "found" (5 bytes) + "y" (1 byte) is over budget: the oldest went.
    expect(await cache.get("x", async () => entry("again"))).toBe("again");
  });
});

describe("sendRendered", () => {
  const app = Fastify();
  const r = rendered('{"a":1}'.repeat(50), "application/json");
  app.get("/", (req, reply) =>
    sendRendered(req, reply, r, { cacheControl: "max-age=60, public", vary: "Accept" }),
  );

  it("sends the gzip variant only when accepted, always with a length, and 304 on a (weak) match", async () => {
    const plain = await app.inject({ url: "/" });
    expect(plain.headers["content-length"]).toBe(String(r.body.length));
    expect(plain.headers["content-encoding"]).toBeUndefined();
    const gz = await app.inject({ url: "/", headers: { "accept-encoding": "br, gzip" } });
    expect([gz.headers["content-encoding"], gz.headers["content-length"]]).toEqual([
      "gzip",
      String(r.gzip.length),
    ]);
    const refused = await app.inject({ url: "/", headers: { "accept-encoding": "gzip;q=0, identity" } });
    expect(refused.headers["content-encoding"]).toBeUndefined();
    const weak = await app.inject({ url: "/", headers: { "if-none-match": `"x", W/${r.etag}` } });
    expect(weak.statusCode).toBe(304);
    expect([plain.headers.etag, plain.headers.vary, plain.headers["cache-control"]]).toEqual([
      r.etag,
      "Accept",
      "max-age=60, public",
    ]);
  });

  it("reads Accept-Encoding q-values", () => {
    expect(["gzip", "deflate, gzip;q=0.5", "x-gzip", "gzip;q=1"].map(acceptsGzip)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([undefined, "", "br", "gzip;q=0", "gzip; q=0.000"].map(acceptsGzip)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
