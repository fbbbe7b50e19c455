import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { z } from "zod";

/** A public key reports may be signed with, by the identifier reports name it with. */
export interface ScanningKey {
  id: string;
  key: KeyObject;
}

/** GitHub's list (https://api.github.com/meta/public_keys/secret_scanning). */
const keyList = z.object({
  public_keys: z
    .array(
      z.object({
        key_identifier: z.string().min(1).max(200),
        key: z.string().min(1).max(10_000),
      }),
    )
    .max(100),
});

/** Reports are signed with ECDSA over P-256 and SHA-256; any other key is a configuration mistake. */
function p256(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error("holds a key that is not a PEM public key");
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1")
    throw new Error("holds a key that is not an ECDSA P-256 public key");
  return key;
}

/** A key list in GitHub's shape; throws with what is wrong. */
export function parseKeyList(json: unknown): ScanningKey[] {
  const parsed = keyList.safeParse(json);
  if (!parsed.success) throw new Error('must be {"public_keys": [{"key_identifier": ..., "key": PEM}, ...]}');
  return parsed.data.public_keys.map((k) => ({ id: k.key_identifier, key: p256(k.key) }));
}

/**
 * WHARF_SECRET_SCANNING_KEYS: the JSON of a key list, or PEM blocks. A bare PEM's identifier is the
 * sha256 (hex) of its text with the final newline, which is how GitHub's identifiers are made (checked
 * against the example key and identifier in GitHub's partner-program documentation). `\n` written as
 * two characters (an environment variable on one line) counts as a newline.
 */
export function parseInlineKeys(text: string): ScanningKey[] {
  const t = text.trim();
  if (t === "") return [];
  if (t.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(t);
    } catch {
      throw new Error("is not valid JSON");
    }
    return parseKeyList(json);
  }
  const blocks = t.replace(/\\n/g, "\n").match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g);
  if (!blocks) throw new Error("must be a JSON key list or PEM public keys (-----BEGIN PUBLIC KEY-----)");
  return blocks.map((b) => {
    const pem = `${b}\n`;
    return { id: createHash("sha256").update(pem).digest("hex"), key: p256(pem) };
  });
}
