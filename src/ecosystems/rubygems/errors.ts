import { catalogue } from "../../lib/errors.js";

/**
 * Refusals of gem names, versions and platforms. The gem client prints the response body as it is, so
 * each message is a sentence that says what to change in the gemspec.
 */
export const rubygemsNameErrors = catalogue({
  NAME_INVALID: {
    status: 400,
    message:
      "Invalid gem name: use letters, digits, '.', '-' and '_', include a letter, and do not start with '.', '-' or '_'.",
  },
  VERSION_INVALID: {
    status: 400,
    message: "Invalid gem version: use digits and letters separated by dots, such as 1.2.3 or 2.0.0.rc1.",
  },
  PLATFORM_INVALID: {
    status: 400,
    message: "Invalid gem platform: use ruby, or a platform such as x86_64-linux or java.",
  },
});

/** Refusals of a gem's metadata (the gemspec YAML inside metadata.gz). */
export const gemspecErrors = catalogue({
  GEMSPEC_INVALID: {
    status: 400,
    message: "The gem's metadata is not a valid gemspec: rebuild the gem with `gem build`.",
  },
  GEMSPEC_TAG_REFUSED: {
    status: 400,
    message:
      "The gem's metadata contains a YAML tag other than Gem::Specification, Gem::Version, Gem::Requirement or Gem::Dependency: rebuild the gem with `gem build`.",
  },
});

/** Refusals of a pushed .gem file as a whole (its tar layout, sizes and checksums). */
export const gemFileErrors = catalogue({
  GEM_INVALID: {
    status: 400,
    message:
      "The pushed file is not a valid .gem (a tar of metadata.gz, data.tar.gz and checksums.yaml.gz): build it with `gem build`.",
  },
  GEM_TOO_LARGE: { status: 413, message: "The gem is larger than this registry accepts." },
  GEM_CHECKSUM_MISMATCH: {
    status: 400,
    message:
      "The gem's checksums.yaml.gz does not match its contents: the file is damaged, build it again with `gem build`.",
  },
});
