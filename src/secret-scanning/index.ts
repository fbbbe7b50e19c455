/**
 * Leaked-token reports from secret scanners (issue 16 item 7): GitHub's secret scanning partner
 * program sends every `wharf_…` string it finds in public, signed with a key from a published list.
 * This folder checks the signature (keys.ts, source.ts) and reads the report (report.ts); the
 * revocation itself is tokens' revokeLeakedToken, shared with `wharf token revoke --leaked`.
 */
export { scanningErrors } from "./errors.js";
export { parseInlineKeys, parseKeyList, type ScanningKey } from "./keys.js";
export { handleReport, MAX_REPORT_BYTES, parseReport, type Verdict } from "./report.js";
export { checkSignature, type KeySourceConfig, ScanningKeys } from "./source.js";
