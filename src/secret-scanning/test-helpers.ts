import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A signing key as GitHub holds one: the private half signs reports, the PEM is published. */
export interface ScannerKey {
  id: string;
  pem: string;
  privateKey: KeyObject;
}

export function scannerKey(): ScannerKey {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return { id: createHash("sha256").update(pem).digest("hex"), pem, privateKey };
}

/** What GitHub sends: the body, and the signature of its exact bytes (ECDSA, DER, base64). */
export function signedReport(
  key: ScannerKey,
  matches: unknown,
  opts: { keyId?: string } = {},
): { payload: string; headers: Record<string, string> } {
  const payload = typeof matches === "string" ? matches : JSON.stringify(matches);
  return {
    payload,
    headers: {
      "content-type": "application/json",
      "github-public-key-identifier": opts.keyId ?? key.id,
      "github-public-key-signature": sign("sha256", Buffer.from(payload), key.privateKey).toString("base64"),
    },
  };
}

/** A local stand-in for https://api.github.com/meta/public_keys/secret_scanning, counting its requests. */
export interface KeyServer {
  url: string;
  requests: number;
  keys: ScannerKey[];
  close(): Promise<void>;
}

export async function startKeyServer(keys: ScannerKey[]): Promise<KeyServer> {
  const state = { requests: 0 };
  const server: Server = createServer((_req, res) => {
    state.requests++;
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        public_keys: ks.keys.map((k, i) => ({ key_identifier: k.id, key: k.pem, is_current: i === 0 })),
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const ks: KeyServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/meta/public_keys/secret_scanning`,
    get requests() {
      return state.requests;
    },
    set requests(n: number) {
      state.requests = n;
    },
    keys,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return ks;
}
