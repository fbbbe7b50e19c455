import { type KeyObject, verify } from "node:crypto";
import { scanningErrors } from "./errors.js";
import { parseKeyList, type ScanningKey } from "./keys.js";

/** A fetched key list is trusted this long before it is read again. */
const FRESH_MS = 60 * 60_000;
/**
 * At most one fetch per this interval, whatever arrives: reports naming unknown key ids (forged, or
 * signed with a key GitHub just rotated in) refresh the list, but a flood of them cannot hammer the
 * key server or get this registry rate-limited there.
 */
const REFETCH_MS = 60_000;
const FETCH_TIMEOUT_MS = 5_000;
const MAX_LIST_BYTES = 256 * 1024;

export interface KeySourceConfig {
  keysUrl?: string;
  keys: ScanningKey[];
}

/**
 * The public keys reports are checked against: the operator's inline keys, and the list at the keys
 * URL, fetched when first needed and cached (per instance; the list is public and changes rarely).
 */
export class ScanningKeys {
  private fetched: ScanningKey[] = [];
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private triedAt = Number.NEGATIVE_INFINITY;
  private inflight?: Promise<void>;
  /** How many times the list was fetched (tests check the cache and the refetch limit). */
  fetches = 0;

  constructor(
    private readonly config: KeySourceConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  configured(): boolean {
    return Boolean(this.config.keysUrl) || this.config.keys.length > 0;
  }

  /** The key named `id`, or null if none; throws KEYS_UNAVAILABLE when the list was never read. */
  async find(id: string, now: number): Promise<KeyObject | null> {
    const inline = this.config.keys.find((k) => k.id === id);
    if (inline) return inline.key;
    if (!this.config.keysUrl) return null;
    const cached = () => this.fetched.find((k) => k.id === id)?.key ?? null;
    const fresh = now - this.fetchedAt < FRESH_MS;
    if (fresh && cached()) return cached();
    if (now - this.triedAt >= REFETCH_MS) {
      this.triedAt = now;
      this.inflight ??= this.refresh(this.config.keysUrl, now).finally(() => {
        this.inflight = undefined;
      });
    }
    if (this.inflight) await this.inflight;
    if (this.fetchedAt === Number.NEGATIVE_INFINITY) throw scanningErrors.KEYS_UNAVAILABLE();
    return cached();
  }

  private async refresh(url: string, now: number): Promise<void> {
    this.fetches++;
    try {
      const res = await this.fetchImpl(url, {
        headers: { accept: "application/json", "user-agent": "Wharf (secret scanning partner)" },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        redirect: "error",
      });
      const text = await res.text();
      if (!res.ok || text.length > MAX_LIST_BYTES) return;
      this.fetched = parseKeyList(JSON.parse(text));
      this.fetchedAt = now;
    } catch {
      // Unreachable or malformed: keep what was read before (a stale list still checks signatures).
    }
  }
}

/**
 * Checks a report's signature: ECDSA P-256 over SHA-256 of the raw body (not re-serialised JSON,
 * whose spacing and key order would differ), DER-encoded and base64 in Github-Public-Key-Signature.
 */
export async function checkSignature(
  keys: ScanningKeys,
  now: number,
  keyId: string | undefined,
  signature: string | undefined,
  body: Buffer,
): Promise<void> {
  if (!keys.configured()) throw scanningErrors.NOT_CONFIGURED();
  if (!keyId || !signature) throw scanningErrors.SIGNATURE_MISSING();
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(keyId)) throw scanningErrors.KEY_UNKNOWN();
  const key = await keys.find(keyId, now);
  if (!key) throw scanningErrors.KEY_UNKNOWN();
  let ok = false;
  try {
    ok = verify("sha256", body, key, Buffer.from(signature, "base64"));
  } catch {
    ok = false;
  }
  if (!ok) throw scanningErrors.SIGNATURE_INVALID();
}
