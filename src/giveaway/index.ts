/**
 * The security-key giveaway: codes an operator loads (stored hashed and encrypted), two per eligible
 * maintainer of a critical project, claimed once each.
 */
export {
  CODES_PER_USER,
  claimCode,
  type Eligibility,
  giveawayEligibility,
  giveawayInventory,
  type Inventory,
  loadCodes,
} from "./codes.js";
export { maskCode } from "./secrets.js";
