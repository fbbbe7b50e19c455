import { catalogue } from "../../lib/errors.js";

/**
 * Errors for distribution-file validation. Every message ends up in the HTTP reason phrase twine
 * prints, so messages are one line of printable ASCII; call sites pass a specific message built with
 * `shown()` around anything that came from the upload.
 *
 * No message may contain "already exist": twine's --skip-existing treats a 400 whose reason says so as
 * "file already uploaded" and would silently skip a broken upload.
 */
export const distErrors = catalogue({
  PROJECT_NAME_INVALID: {
    status: 400,
    field: "name",
    message:
      "Invalid project name: use ASCII letters, digits, '.', '_' and '-', starting and ending with a letter or digit",
  },
  PROJECT_NAME_NOT_ASCII: {
    status: 400,
    field: "name",
    message: "Invalid project name: only ASCII characters are allowed",
  },
  VERSION_INVALID: { status: 400, field: "version", message: "Invalid version: not a valid PEP 440 version" },
  REQUIRES_PYTHON_INVALID: {
    status: 400,
    field: "requires_python",
    message: "Invalid Requires-Python: not a valid PEP 440 specifier set",
  },
  FILENAME_INVALID: { status: 400, field: "content", message: "Invalid distribution file name" },
  FILETYPE_UNSUPPORTED: {
    status: 400,
    field: "content",
    message: "Unsupported file type: upload a wheel (.whl) or an sdist (.tar.gz)",
  },
  FILENAME_MISMATCH: {
    status: 400,
    field: "content",
    message: "The file name does not match the project name and version in the form",
  },
  ZIP_INVALID: { status: 400, field: "content", message: "The file is not a valid zip archive" },
  TAR_INVALID: {
    status: 400,
    field: "content",
    message: "The file is not a valid gzip-compressed tar archive",
  },
  ARCHIVE_TOO_MANY_MEMBERS: { status: 400, field: "content", message: "The archive has too many members" },
  ARCHIVE_MEMBER_TOO_LARGE: { status: 400, field: "content", message: "An archive member is too large" },
  ARCHIVE_TOO_LARGE: {
    status: 400,
    field: "content",
    message: "The archive is too large when uncompressed",
  },
  ARCHIVE_COMPRESSION_RATIO: {
    status: 400,
    field: "content",
    message: "The archive is compressed too much to be safe to unpack (possible zip bomb)",
  },
  ARCHIVE_UNSAFE_PATH: {
    status: 400,
    field: "content",
    message: "The archive contains a member with an unsafe path",
  },
  ARCHIVE_UNSAFE_LINK: {
    status: 400,
    field: "content",
    message: "The archive contains a link that points outside the archive",
  },
  ARCHIVE_UNSUPPORTED_MEMBER: {
    status: 400,
    field: "content",
    message: "The archive contains a member of an unsupported kind",
  },
  ARCHIVE_DUPLICATE_MEMBER: {
    status: 400,
    field: "content",
    message: "The archive contains the same member twice",
  },
  ARCHIVE_LAYOUT_INVALID: {
    status: 400,
    field: "content",
    message: "The archive does not have the layout of a Python distribution",
  },
  METADATA_MISSING: { status: 400, field: "content", message: "The archive has no core metadata file" },
  METADATA_TOO_LARGE: { status: 400, field: "content", message: "The core metadata file is too large" },
  METADATA_INVALID: { status: 400, field: "content", message: "The core metadata is not valid" },
  METADATA_MISMATCH: {
    status: 400,
    field: "content",
    message: "The core metadata does not match the project name and version in the form",
  },
});

/**
 * Renders untrusted text for an error message: printable ASCII only (a CR/LF or non-Latin-1
 * character in a reason phrase is header injection or a crash in the HTTP layer), and short.
 */
export function shown(value: string, max = 80): string {
  const clean = value.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}
