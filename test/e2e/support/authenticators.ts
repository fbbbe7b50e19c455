import { join } from "node:path";
import Database from "better-sqlite3";
import { Secret, TOTP } from "otpauth";
import type { BrowserContext, CDPSession, Page } from "playwright-core";

/** CDP's WebAuthn.Credential (playwright-core does not export its Protocol types): what we use of it. */
export interface Credential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * Chromium's virtual authenticators (CDP WebAuthn domain), one attached at a time so a test decides
 * which key answers: `use("blue")` saves the credentials of the attached one, detaches it, and attaches
 * "blue" with the credentials (and signature counters) it had when it was last detached.
 */
export class Authenticators {
  private attached: { name: string; id: string } | null = null;
  private readonly saved = new Map<string, Credential[]>();

  private constructor(private readonly cdp: CDPSession) {}

  static async enable(context: BrowserContext, page: Page): Promise<Authenticators> {
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    return new Authenticators(cdp);
  }

  async use(name: string): Promise<void> {
    if (this.attached?.name === name) return;
    await this.detach();
    const { authenticatorId } = await this.cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "usb",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    for (const credential of this.saved.get(name) ?? []) {
      await this.cdp.send("WebAuthn.addCredential", { authenticatorId, credential });
    }
    this.attached = { name, id: authenticatorId };
  }

  /** The attached authenticator's credentials (ids are base64; signCount is the key's counter). */
  async credentials(): Promise<Credential[]> {
    if (!this.attached) return [];
    const { credentials } = await this.cdp.send("WebAuthn.getCredentials", {
      authenticatorId: this.attached.id,
    });
    return credentials;
  }

  async detach(): Promise<void> {
    if (!this.attached) return;
    this.saved.set(this.attached.name, await this.credentials());
    await this.cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: this.attached.id });
    this.attached = null;
  }

  async close(): Promise<void> {
    await this.detach().catch(() => undefined);
    await this.cdp.detach().catch(() => undefined);
  }
}

/** CDP's base64 credential id as WebAuthn's base64url (what Wharf stores). */
export const toBase64url = (b64: string) => Buffer.from(b64, "base64").toString("base64url");

/**
 * An authenticator app for tests. Each 30-second step is accepted once (ASVS 2.8.4), so every code
 * comes from a step later than the last one used, inside the server's ±1 window: the previous step
 * while the current one has over 5 s to run (no boundary can pass in flight), the current one, or the
 * next one (both still inside the window if a boundary passes); when all are spent, it waits.
 */
export class TestAuthenticatorApp {
  private lastStep = -1;
  private readonly totp: TOTP;

  constructor(secret: string) {
    this.totp = new TOTP({ secret: Secret.fromBase32(secret) });
  }

  async code(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const current = Math.floor(now / 30_000);
      const earliest = now % 30_000 < 25_000 ? current - 1 : current;
      const step = Math.max(earliest, this.lastStep + 1);
      if (step <= current + 1) {
        this.lastStep = step;
        return this.totp.generate({ timestamp: step * 30_000 });
      }
      await new Promise((r) => setTimeout(r, (current + 1) * 30_000 - Date.now() + 50));
    }
  }
}

/** The running server's SQLite database, for what a browser cannot see (events, counters, sudo). */
export function openDatabase(dataDir: string): Database.Database {
  const db = new Database(join(dataDir, "wharf.db"));
  db.pragma("busy_timeout = 5000");
  return db;
}
