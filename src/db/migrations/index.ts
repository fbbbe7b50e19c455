import type { Kysely } from "kysely";
import type { Keyring } from "../../lib/crypto.js";

/** What a migration may need beyond the database: the server key, to encrypt secrets stored in clear. */
export interface MigrationContext {
  keys?: Keyring;
}

export interface Migration {
  up(db: Kysely<unknown>, ctx?: MigrationContext): Promise<void>;
  down?(db: Kysely<unknown>): Promise<void>;
}

import * as m001 from "./001_accounts.js";
import * as m002 from "./002_packages_tokens.js";
import * as m003 from "./003_mfa.js";
import * as m004 from "./004_npm.js";
import * as m005 from "./005_policy.js";
import * as m006 from "./006_stats.js";
import * as m007 from "./007_giveaway.js";
import * as m008 from "./008_recovery_admin.js";
import * as m009 from "./009_npm_scopes.js";
import * as m010 from "./010_rendered_descriptions.js";
import * as m011 from "./011_hardening.js";
import * as m013 from "./013_mail_coalesce.js";
import * as m014 from "./014_one_mfa_requirement.js";
import * as m015 from "./015_npm_stars.js";
import * as m017 from "./017_notify_outbox.js";
import * as m018 from "./018_lookalike_allowances.js";
import * as m019 from "./019_domain_checks.js";
import * as m020 from "./020_criticality_told.js";
import * as m021 from "./021_stats_import_ledger.js";
import * as m022 from "./022_housekeeping.js";
import * as m023 from "./023_recovery_handover.js";
import * as m024 from "./024_quarantine.js";
import * as m025 from "./025_malware_reports.js";
import * as m026 from "./026_dependents.js";
import * as m027 from "./027_gem_versions_log.js";
import * as m029 from "./029_recovery_codes_confirmed.js";
import * as m030 from "./030_change_log.js";
import * as m031 from "./031_trusted_publishing.js";
import * as m032 from "./032_oidc_jti.js";
import * as m034 from "./034_staged_releases.js";
import * as m035 from "./035_staging_policy.js";
import * as m037 from "./037_release_metadata_rev.js";
import * as m038 from "./038_name_search_index.js";
import * as m039 from "./039_listing_changes.js";
import * as m040 from "./040_profile_order.js";

/** Every migration, in order. Static imports so the built dist needs no file-system discovery. */
export const migrations: Record<string, Migration> = {
  "001_accounts": m001,
  "002_packages_tokens": m002,
  "003_mfa": m003,
  "004_npm": m004,
  "005_policy": m005,
  "006_stats": m006,
  "007_giveaway": m007,
  "008_recovery_admin": m008,
  "009_npm_scopes": m009,
  "010_rendered_descriptions": m010,
  "011_hardening": m011,
  "013_mail_coalesce": m013,
  "014_one_mfa_requirement": m014,
  "015_npm_stars": m015,
  "017_notify_outbox": m017,
  "018_lookalike_allowances": m018,
  "019_domain_checks": m019,
  "020_criticality_told": m020,
  "021_stats_import_ledger": m021,
  "022_housekeeping": m022,
  "023_recovery_handover": m023,
  "024_quarantine": m024,
  "025_malware_reports": m025,
  "026_dependents": m026,
  "027_gem_versions_log": m027,
  "029_recovery_codes_confirmed": m029,
  "030_change_log": m030,
  "031_trusted_publishing": m031,
  "032_oidc_jti": m032,
  "034_staged_releases": m034,
  "035_staging_policy": m035,
  "037_release_metadata_rev": m037,
  "038_name_search_index": m038,
  "039_listing_changes": m039,
  "040_profile_order": m040,
};
