/** Which client is on the other end decides how an error must be shaped for the user to see it. */
export type Dialect = "html" | "json" | "npm" | "twine" | "gem";

/**
 * What serves a URL, by its first path segment: the error dialect its clients can show, and whether
 * it is a web page (pages get the signed-in maintainer's banners; protocol and API calls skip those
 * database reads). The one list the error handler and the page hooks read.
 */
export interface Surface {
  dialect: Dialect;
  page: boolean;
}

const PAGE: Surface = { dialect: "html", page: true };

export const SURFACES: Readonly<Record<string, Surface>> = {
  // twine shows only the HTTP reason phrase.
  legacy: { dialect: "twine", page: false },
  // pip reads the simple API; tools read the JSON API: both get JSON errors.
  simple: { dialect: "json", page: false },
  pypi: { dialect: "json", page: false },
  // A staged release's preview index (issue 16): pip shows the status line, so the reason phrase says it.
  preview: { dialect: "twine", page: false },
  // Downloads: pip shows the status line only, and a browser following a link gets a page.
  files: { dialect: "html", page: false },
  // npm shows `body.error`.
  npm: { dialect: "npm", page: false },
  // The npm CLI's OIDC token exchange arrives at the origin's root (/-/npm/v1/oidc/...), whatever the
  // registry's path; PyPI's trusted-publishing endpoints live at /_/oidc/ (their own JSON shape).
  "-": { dialect: "npm", page: false },
  _: { dialect: "json", page: false },
  // gem prints the response body as it is.
  rubygems: { dialect: "gem", page: false },
  api: { dialect: "json", page: false },
  static: { dialect: "html", page: false },
  metrics: { dialect: "html", page: false },
  healthz: { dialect: "html", page: false },
  readyz: { dialect: "html", page: false },
  admin: PAGE,
};

const table = new Map(Object.entries(SURFACES));

/** The surface of a request URL (path and query); anything not listed is a web page. */
export function surfaceOf(url: string): Surface {
  let end = 1;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  return table.get(url.slice(1, end)) ?? PAGE;
}
