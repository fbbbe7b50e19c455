/**
 * Typosquat detection (issue 18 item 1), pure: which protected name a new project name imitates.
 * Look-alike characters (Unicode confusables), case and separator games, npm scope confusion, doubled
 * letters, ecosystem prefixes and suffixes, and Damerau–Levenshtein distance 1 (2 for long names).
 * Who is protected and what happens on a match are decided elsewhere (packages/typosquat.ts).
 */
export { osaDistance } from "./distance.js";
export { affixStems, typoKey } from "./keys.js";
export {
  LONG_NAME,
  LONG_NAME_MAX,
  TyposquatIndex,
  type TyposquatMatch,
  type TyposquatReason,
} from "./matcher.js";
