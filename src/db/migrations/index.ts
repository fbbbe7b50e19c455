import type { Kysely } from "kysely";

export interface Migration {
  up(db: Kysely<unknown>): Promise<void>;
  down?(db: Kysely<unknown>): Promise<void>;
}

import * as m001 from "./001_accounts.js";
import * as m002 from "./002_packages_tokens.js";
import * as m003 from "./003_mfa.js";

/** Every migration, in order. Static imports so the built dist needs no file-system discovery. */
export const migrations: Record<string, Migration> = {
  "001_accounts": m001,
  "002_packages_tokens": m002,
  "003_mfa": m003,
};
