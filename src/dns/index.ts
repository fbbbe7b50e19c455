/** DNS lookups: whether an email domain can still receive mail (the abandoned-domain check). */
export { lookupMail, type MailVerdict, provesResolution } from "./mail.js";
export {
  createResolver,
  type DnsAnswer,
  type DnsFailure,
  type DnsResolver,
  type MxRecord,
  NodeDnsResolver,
} from "./resolver.js";
