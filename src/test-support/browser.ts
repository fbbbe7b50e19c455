import type { FastifyInstance, LightMyRequestResponse } from "fastify";

/**
 * A tiny cookie-keeping client over app.inject(), for page tests without a real browser: it remembers
 * cookies and the CSRF token of the last page, like a person filling in forms.
 */
export class FormClient {
  cookies = new Map<string, string>();
  csrf = "";
  last?: LightMyRequestResponse;

  constructor(
    private readonly app: FastifyInstance,
    readonly ip = "127.0.0.1",
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      if (c.value === "" || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now()))
        this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1]!;
    this.last = res;
    return res;
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({
        method: "GET",
        url,
        headers: { cookie: this.cookieHeader() },
        remoteAddress: this.ip,
      }),
    );
  }

  /** Posts a form; the CSRF token of the last page is added unless `_csrf` is given. */
  async post(
    url: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams({ _csrf: this.csrf, ...fields }).toString();
    return this.keep(
      await this.app.inject({
        method: "POST",
        url,
        payload: body,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: this.cookieHeader(),
          ...headers,
        },
        remoteAddress: this.ip,
      }),
    );
  }
}

/** Text of the element carrying `id` (a field error, for instance), tags stripped. */
export function textOf(html: string, id: string): string | undefined {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`).exec(html);
  return m?.[1]
    ?.replace(/<[^>]+>/g, "")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .trim();
}
