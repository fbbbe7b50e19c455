import { connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../test-support/index.js";

/** Sends raw bytes and returns the status line the server answered with. */
function statusLine(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let got = "";
    socket.on("data", (b: Buffer) => (got += b.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => resolve(got.split("\r\n")[0] ?? ""));
    socket.on("connect", () => socket.end(bytes));
  });
}

/**
 * Requests the HTTP parser refuses (found by the fuzz campaign, test/hostile/fuzz.test.ts) used to get
 * Fastify's bare "400 Bad Request": all twine shows is the reason phrase, so it must say what was wrong.
 */
describe("requests the HTTP parser refuses", () => {
  let t: TestApp;
  let port: number;
  beforeEach(async () => {
    t = await createTestApp("sqlite");
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterEach(() => t.close());

  it.each([
    [
      "a Content-Length that is not a number",
      "Content-Length: abc\r\n",
      /Content-Length header is not a valid length/,
    ],
    [
      "both Content-Length and chunked",
      "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
      /Transfer-Encoding header is not valid, or comes with a Content-Length/,
    ],
  ])("%s gets a reason phrase that names it", async (_what, headers, reason) => {
    const line = await statusLine(port, `POST /legacy/ HTTP/1.1\r\nHost: x\r\n${headers}\r\nhello`);
    expect(line).toMatch(/^HTTP\/1\.1 400 Malformed HTTP request: /);
    expect(line).toMatch(reason);
  });

  it("a chunk size that is not hex gets a reason phrase that names it", async () => {
    const line = await statusLine(
      port,
      "POST /legacy/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    );
    expect(line).toMatch(/^HTTP\/1\.1 400 Malformed HTTP request: a chunk size/);
  });
});
