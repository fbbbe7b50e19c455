import { distErrors } from "./errors.js";

/*
 * The RFC 822 layer of METADATA / PKG-INFO: header lines, continuation lines, the body. Scanned
 * without backtracking regexes, since the file (up to 1 MiB) comes from the upload.
 */

/** RFC 5322 field name: printable ASCII except ':'. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function invalid(message: string) {
  return distErrors.METADATA_INVALID(message);
}

export interface RawHeader {
  name: string;
  lines: string[];
}

/** Continuation lines of a multi-line Description: PEP 345's "       |" prefix or distutils' indent. */
export function unfoldDescription(first: string, rest: string[]): string {
  if (rest.length > 0 && rest.every((line) => /^ {7}\|/.test(line))) {
    return [first, ...rest.map((line) => line.slice(8))].join("\n");
  }
  // A loop, not Math.min(...indents): spreading hundreds of thousands of lines overflows the stack.
  let cut = Number.POSITIVE_INFINITY;
  for (const line of rest) {
    if (line.trim() !== "") cut = Math.min(cut, /^[ \t]*/.exec(line)![0].length);
  }
  if (cut === Number.POSITIVE_INFINITY) cut = 0;
  return [first, ...rest.map((line) => (line.trim() === "" ? "" : line.slice(cut)))].join("\n");
}

/**
 * "Name: value" split at the first ':', the value without its leading blanks; null if the line is not
 * a header. Scanned by hand: the regex /^(name+):[ \t]*(.*)$/ backtracks quadratically over a long
 * blank run followed by U+2028, which '.' does not match. JavaScript's other line terminators
 * (U+2028, U+2029) stay refused, as they were by that regex.
 */
function headerLine(line: string): RawHeader | null {
  const colon = line.indexOf(":");
  if (colon <= 0 || !FIELD_NAME.test(line.slice(0, colon))) return null;
  let start = colon + 1;
  while (line[start] === " " || line[start] === "\t") start++;
  const value = line.slice(start);
  return /[\u2028\u2029]/.test(value) ? null : { name: line.slice(0, colon), lines: [value] };
}

export function splitHeaders(text: string): { headers: RawHeader[]; body: string } {
  const lines = text.split(/\r\n|\n|\r/);
  const headers: RawHeader[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") {
      i++;
      break;
    }
    if (line.startsWith(" ") || line.startsWith("\t")) {
      const last = headers.at(-1);
      if (!last) throw invalid("The metadata starts with an indented line instead of a header");
      last.lines.push(line);
      continue;
    }
    const header = headerLine(line);
    if (!header) throw invalid(`Line ${i + 1} of the metadata is not a 'Name: value' header`);
    headers.push(header);
  }
  return { headers, body: lines.slice(i).join("\n") };
}
