/**
 * A cookie-keeping form client over real HTTP (fetch), for tests that talk to running servers
 * without a browser. Redirects are not followed, so tests see the 303 and its cookies.
 */
export interface HttpResult {
  status: number;
  headers: Headers;
  body: string;
}

export class HttpFormClient {
  readonly cookies = new Map<string, string>();
  /** The `_csrf` of the last page that had a form. */
  csrf = "";

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private async keep(res: Response): Promise<HttpResult> {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attrs.some(
        (a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()),
      );
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const body = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(body);
    if (m) this.csrf = m[1]!;
    return { status: res.status, headers: res.headers, body };
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
    const res = await fetch(url, {
      redirect: "manual",
      headers: { cookie: this.cookieHeader(), ...headers },
      signal: AbortSignal.timeout(10_000),
    });
    return this.keep(res);
  }

  /** Posts a urlencoded form with the CSRF token of the last page unless `_csrf` is given. */
  async post(
    url: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<HttpResult> {
    const res = await fetch(url, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: this.cookieHeader(),
        ...headers,
      },
      body: new URLSearchParams({ _csrf: this.csrf, ...fields }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    return this.keep(res);
  }
}
