/** Account recovery: requests, machine-checked proofs, waiting periods, the operator queue. */
export {
  type AbandonedDomain,
  accountsAtDomain,
  emailDomain,
  isAbandoned,
  listAbandoned,
  markAbandoned,
  normalizeDomain,
  unmarkAbandoned,
} from "./domains.js";
export { recoveryErrors } from "./errors.js";
