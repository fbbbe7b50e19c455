import { type AppError, isAppError } from "../../lib/errors.js";
import { distErrors, shown } from "./errors.js";
import { splitHeaders, unfoldDescription } from "./metadata-headers.js";
import { assertValidProjectName, normalizeName } from "./names.js";
import { MAX_REQUIRES_PYTHON_LENGTH, validateRequiresPython } from "./specifiers.js";
import { canonicalVersion, MAX_VERSION_LENGTH, parseVersion } from "./version.js";

/** The core metadata fields the registry stores and shows (core metadata spec, versions 1.0-2.5). */
export interface CoreMetadata {
  metadataVersion: string;
  name: string;
  version: string;
  summary?: string;
  description?: string;
  descriptionContentType?: string;
  requiresPython?: string;
  requiresDist: string[];
  providesExtra: string[];
  classifiers: string[];
  projectUrls: Array<{ label: string; url: string }>;
  keywords?: string;
  author?: string;
  authorEmail?: string;
  maintainer?: string;
  maintainerEmail?: string;
  license?: string;
  licenseExpression?: string;
  homePage?: string;
}

type OptionalText =
  | "summary"
  | "descriptionContentType"
  | "keywords"
  | "author"
  | "authorEmail"
  | "maintainer"
  | "maintainerEmail"
  | "license"
  | "licenseExpression"
  | "homePage";

/** Fields the spec marks "multiple use"; any other known field appearing twice is ambiguous. */
const MULTIPLE_USE = new Set([
  "classifier",
  "dynamic",
  "import-name",
  "import-namespace",
  "license-file",
  "obsoletes",
  "obsoletes-dist",
  "platform",
  "project-url",
  "provides",
  "provides-dist",
  "provides-extra",
  "requires",
  "requires-dist",
  "requires-external",
  "supported-platform",
]);
const SINGLE_USE = new Set([
  "metadata-version",
  "name",
  "version",
  "summary",
  "description",
  "description-content-type",
  "keywords",
  "home-page",
  "download-url",
  "author",
  "author-email",
  "maintainer",
  "maintainer-email",
  "license",
  "license-expression",
  "requires-python",
]);

/** A spec change of major version means "do not try to read this" (core metadata spec). */
const METADATA_VERSION = /^(1\.[0-2]|2\.[0-9]+)$/;
/** Warehouse's limits, so a file accepted here would also be accepted by PyPI. */
const MAX_SUMMARY_LENGTH = 512;
const MAX_URL_LABEL_LENGTH = 32;
// One host character, then no whitespace: "[^\s/?#]+[^\s]*" would say the same but backtrack
// quadratically over a long host followed by a space.
const HTTP_URL = /^https?:\/\/[^\s/?#]\S*$/i;

function invalid(message: string): AppError {
  return distErrors.METADATA_INVALID(message);
}

/** distutils wrote "UNKNOWN" for every field it had no value for; that is not a value. */
function present(value: string | undefined): string | undefined {
  return value === undefined || value === "" || value === "UNKNOWN" ? undefined : value;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isAppError(e))
      throw invalid(`Invalid metadata: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`);
    throw e;
  }
}

/** Description-Content-Type as Warehouse renders it: text/plain, text/x-rst or text/markdown, UTF-8. */
function checkContentType(value: string): void {
  const [type = "", ...params] = value.split(";").map((p) => p.trim());
  if (!["text/plain", "text/x-rst", "text/markdown"].includes(type.toLowerCase())) {
    throw invalid(
      `Invalid Description-Content-Type '${shown(value)}': use text/plain, text/x-rst or text/markdown`,
    );
  }
  for (const param of params) {
    const [key = "", raw = ""] = param.split("=", 2).map((p) => p.trim());
    const val = raw.replace(/^"(.*)"$/, "$1");
    if (key.toLowerCase() === "charset" && val.toUpperCase() !== "UTF-8") {
      throw invalid(`Invalid Description-Content-Type '${shown(value)}': only charset=UTF-8 is allowed`);
    }
    if (key.toLowerCase() === "variant" && !["GFM", "CommonMark"].includes(val)) {
      throw invalid(`Invalid Description-Content-Type '${shown(value)}': variant must be GFM or CommonMark`);
    }
  }
}

/** URLs end up as links on project pages: anything but http(s) (javascript:, data:) is refused. */
function checkUrl(field: string, url: string): void {
  if (!HTTP_URL.test(url)) throw invalid(`Invalid ${field} URL '${shown(url)}': use an http or https URL`);
}

function parseProjectUrl(value: string): { label: string; url: string } {
  const comma = value.indexOf(",");
  if (comma < 0) throw invalid(`Invalid Project-URL '${shown(value)}': expected 'Label, URL'`);
  const label = value.slice(0, comma).trim();
  const url = value.slice(comma + 1).trim();
  if (label === "" || label.length > MAX_URL_LABEL_LENGTH) {
    throw invalid(`Invalid Project-URL '${shown(value)}': the label must be 1-32 characters`);
  }
  checkUrl("Project-URL", url);
  return { label, url };
}

/**
 * Parses METADATA / PKG-INFO (core metadata spec: RFC 822 headers, optional body = Description).
 * Stricter than Python's email parser where leniency would be ambiguous: a repeated single-use field
 * (which Name counts?) or a Description given both as header and body is refused, not guessed.
 */
export function parseCoreMetadata(text: string): CoreMetadata {
  // PostgreSQL cannot store U+0000 in text while SQLite can: refused so both databases agree.
  if (text.includes("\u0000")) throw invalid("The metadata contains a NUL character (U+0000)");
  const { headers, body } = splitHeaders(text);
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  for (const header of headers) {
    const key = header.name.toLowerCase();
    const [first = "", ...rest] = header.lines;
    const value =
      key === "description"
        ? unfoldDescription(first, rest)
        : [first, ...rest.map((line) => line.trim())].join(" ").trim();
    if (SINGLE_USE.has(key)) {
      if (single.has(key)) throw invalid(`The metadata has more than one '${shown(header.name, 40)}' field`);
      single.set(key, value);
    } else if (MULTIPLE_USE.has(key)) {
      // Appended in place: copying the list for each header is quadratic in the number of headers.
      const list = multi.get(key);
      if (list) list.push(value);
      else multi.set(key, [value]);
    }
  }

  const metadataVersion = single.get("metadata-version");
  if (!metadataVersion) throw invalid("The metadata has no Metadata-Version field");
  if (!METADATA_VERSION.test(metadataVersion)) {
    throw invalid(`Unsupported Metadata-Version '${shown(metadataVersion)}'`);
  }
  const name = single.get("name");
  if (!name) throw invalid("The metadata has no Name field");
  wrap(() => assertValidProjectName(name));
  const version = single.get("version");
  if (!version) throw invalid("The metadata has no Version field");
  // Capped before parsing, as in the upload form: bounds the parser's work whatever its input.
  if (version.length > MAX_VERSION_LENGTH)
    throw invalid(`The Version is longer than ${MAX_VERSION_LENGTH} characters`);
  wrap(() => parseVersion(version));

  const metadata: CoreMetadata = {
    metadataVersion,
    name,
    version,
    requiresDist: multi.get("requires-dist") ?? [],
    providesExtra: multi.get("provides-extra") ?? [],
    classifiers: multi.get("classifier") ?? [],
    projectUrls: (multi.get("project-url") ?? []).map(parseProjectUrl),
  };
  const optional: Array<[OptionalText, string]> = [
    ["summary", "summary"],
    ["descriptionContentType", "description-content-type"],
    ["keywords", "keywords"],
    ["author", "author"],
    ["authorEmail", "author-email"],
    ["maintainer", "maintainer"],
    ["maintainerEmail", "maintainer-email"],
    ["license", "license"],
    ["licenseExpression", "license-expression"],
    ["homePage", "home-page"],
  ];
  for (const [field, header] of optional) {
    const value = present(single.get(header));
    if (value !== undefined) metadata[field] = value;
  }
  if (metadata.summary && metadata.summary.length > MAX_SUMMARY_LENGTH) {
    throw invalid(`The Summary is longer than ${MAX_SUMMARY_LENGTH} characters`);
  }
  if (metadata.descriptionContentType) checkContentType(metadata.descriptionContentType);
  if (metadata.homePage) checkUrl("Home-Page", metadata.homePage);
  const requiresPython = present(single.get("requires-python"));
  if (requiresPython !== undefined && requiresPython.length > MAX_REQUIRES_PYTHON_LENGTH)
    throw invalid(`The Requires-Python is longer than ${MAX_REQUIRES_PYTHON_LENGTH} characters`);
  if (requiresPython !== undefined)
    metadata.requiresPython = wrap(() => validateRequiresPython(requiresPython));

  const headerDescription = present(single.get("description"));
  const bodyDescription = body.trim() === "" ? undefined : body;
  if (headerDescription !== undefined && bodyDescription !== undefined) {
    throw invalid("The metadata has both a Description field and a message body");
  }
  const description = headerDescription ?? bodyDescription;
  if (description !== undefined) metadata.description = description;
  return metadata;
}

/**
 * The form twine sends is derived from the same metadata; a disagreement means a tampered or broken
 * upload. The registry must store what pip will see, i.e. the archive's metadata.
 */
export function checkMetadataAgainstForm(
  metadata: CoreMetadata,
  form: { name: string; version: string; requiresPython?: string | undefined },
): void {
  assertValidProjectName(form.name);
  const formVersion = canonicalVersion(form.version);
  const fileVersion = canonicalVersion(metadata.version);
  if (normalizeName(metadata.name) !== normalizeName(form.name) || fileVersion !== formVersion) {
    throw distErrors.METADATA_MISMATCH(
      `The metadata says '${shown(metadata.name, 60)} ${shown(fileVersion, 40)}' but the form says '${shown(form.name, 60)} ${shown(formVersion, 40)}'`,
    );
  }
  const formRequires = form.requiresPython?.trim() ? validateRequiresPython(form.requiresPython) : undefined;
  if (formRequires !== undefined && formRequires !== metadata.requiresPython) {
    throw distErrors.METADATA_MISMATCH(
      `The form says Requires-Python '${shown(formRequires, 40)}' but the metadata says '${shown(metadata.requiresPython ?? "", 40)}'`,
    );
  }
}
