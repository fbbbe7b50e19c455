import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { registerUser } from "../accounts/index.js";
import { publishBody } from "../protocols/npm/test-fixtures.js";
import { type TestApp, tokenFor } from "../test-support/index.js";

/* Helpers for the replay's tests (replay.test.ts, replay.security.test.ts): requests over a real socket. */

export interface RawResponse {
  status: number;
  reason: string;
  /** Names and values as sent, in order; Date and X-Request-Id masked (they differ between any two). */
  headers: string[];
  body: Buffer;
}

/** One GET over a real socket (the replay sits in the server's request listener; inject bypasses it). */
export function get(port: number, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const raw = res.rawHeaders.map((v, i, all) => {
          const name = all[i - 1]?.toLowerCase();
          return i % 2 === 1 && (name === "date" || name === "x-request-id") ? "<masked>" : v;
        });
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? "",
          headers: raw,
          body: Buffer.concat(chunks),
        });
      });
    })
      .on("error", reject)
      .end();
  });
}

export async function listening(t: TestApp): Promise<number> {
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  return (t.app.server.address() as AddressInfo).port;
}

export async function publishNpm(t: TestApp, name: string, versions: string[]) {
  const user = await registerUser(
    t.deps,
    { ip: "127.0.0.1" },
    {
      username: `owner-${name}`,
      email: `${name}@example.com`,
      password: "correct horse battery",
      verified: true,
    },
    { viaOperator: true },
  );
  const token = await tokenFor(t, user.id, null);
  for (const v of versions) {
    const res = await t.app.inject({
      method: "PUT",
      url: `/npm/${name}`,
      payload: await publishBody(name, v),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(201);
  }
  return { user, token };
}
