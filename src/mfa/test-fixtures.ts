import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import type { LightMyRequestResponse } from "fastify";
import type { FormClient, TestApp } from "../test-support/index.js";

const b64url = (b: Uint8Array) => Buffer.from(b).toString("base64url");
const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest();

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

/**
 * A software FIDO2 authenticator (ES256, attestation "none") for in-process tests: it builds the same
 * bytes a key would (WebAuthn §6.1 authenticator data, §6.5 attestation object, §6.3.3 signatures), and
 * lets a test do what a real key will not: lower its counter, skip user verification, sign for another
 * origin.
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  counter = 0;
  userHandle: string | undefined;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(
    readonly origin: string,
    readonly opts: { uv?: boolean } = {},
  ) {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  private authData(rpId: string, flags: number, counter: number, attested?: Uint8Array): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, attested ?? Buffer.alloc(0)]);
  }

  private coseKey(): Uint8Array {
    const jwk = this.publicKey.export({ format: "jwk" });
    const key = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, new Uint8Array(Buffer.from(jwk.x!, "base64url"))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, "base64url"))],
    ]);
    return isoCBOR.encode(key);
  }

  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    over: { origin?: string; uv?: boolean } = {},
  ): RegistrationResponseJSON {
    this.userHandle = options.user.id;
    const clientData = Buffer.from(
      JSON.stringify({
        type: "webauthn.create",
        challenge: options.challenge,
        origin: over.origin ?? this.origin,
      }),
    );
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLen, this.credentialId, this.coseKey()]);
    const uv = over.uv ?? this.opts.uv ?? true;
    const authData = this.authData(options.rp.id!, UP | AT | (uv ? UV : 0), this.counter, attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, never>>([
        ["fmt", "none"],
        ["attStmt", new Map<string, never>()],
        ["authData", new Uint8Array(authData)],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientData),
        attestationObject: b64url(attestationObject),
        transports: ["usb"],
      },
    };
  }

  /** Signs the next assertion; the counter goes up by one unless the test sets `counter`. */
  assert(
    options: PublicKeyCredentialRequestOptionsJSON,
    over: { origin?: string; uv?: boolean; counter?: number; rpId?: string } = {},
  ): AuthenticationResponseJSON {
    this.counter = over.counter ?? this.counter + 1;
    const clientData = Buffer.from(
      JSON.stringify({
        type: "webauthn.get",
        challenge: options.challenge,
        origin: over.origin ?? this.origin,
      }),
    );
    const uv = over.uv ?? this.opts.uv ?? true;
    const authData = this.authData(over.rpId ?? options.rpId!, UP | (uv ? UV : 0), this.counter);
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientData)]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
    };
  }
}

/** What /static/wharf-webauthn.js does: a JSON POST with the page's CSRF token in x-csrf-token. */
export async function postJson(
  t: TestApp,
  web: FormClient,
  url: string,
  body: unknown,
): Promise<LightMyRequestResponse> {
  const res = await t.app.inject({
    method: "POST",
    url,
    payload: JSON.stringify(body),
    headers: {
      "content-type": "application/json",
      "x-csrf-token": web.csrf,
      cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    },
    remoteAddress: web.ip,
  });
  for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number }>) {
    if (c.value === "" || c.maxAge === 0) web.cookies.delete(c.name);
    else web.cookies.set(c.name, c.value);
  }
  return res;
}

/** Adds a key through the keys page, as the script does: options, the ceremony, then the form. */
export async function addKey(
  t: TestApp,
  web: FormClient,
  key: SoftAuthenticator,
  label: string,
  kind: "security-key" | "passkey" = "security-key",
): Promise<LightMyRequestResponse> {
  await web.get("/account/two-factor/keys");
  const o = await postJson(t, web, "/account/two-factor/keys/options", { kind, label });
  if (o.statusCode !== 200) return o;
  const { challengeId, options } = o.json() as {
    challengeId: string;
    options: PublicKeyCredentialCreationOptionsJSON;
  };
  return web.post("/account/two-factor/keys", {
    label,
    key_kind: kind,
    challenge_id: challengeId,
    response: JSON.stringify(key.register(options)),
  });
}
