/**
 * Pages of lists that grow with the registry (issue 13 item 11): every page is one query with a LIMIT,
 * never "load everything, then slice". Lists ordered by a unique key page by keyset (a cursor, as cheap
 * on page 1,000 as on page 1); ranked search results page by offset, capped, because an OFFSET costs
 * the rows it skips: past the cap the reader is asked to narrow the search instead.
 */

/** The deepest offset a ranked list serves (200 pages of 50). */
export const MAX_OFFSET = 10_000;

export interface OffsetPage {
  /** 1-based. */
  page: number;
  offset: number;
  limit: number;
}

/** `?page=N` → offset and limit; anything unreadable is page 1, anything past the cap the last page. */
export function offsetPage(raw: unknown, size: number, maxOffset = MAX_OFFSET): OffsetPage {
  const n = typeof raw === "string" && /^\d{1,9}$/.test(raw) ? Number(raw) : 1;
  const lastPage = Math.floor(maxOffset / size) + 1;
  const page = Math.min(Math.max(1, n), lastPage);
  return { page, offset: (page - 1) * size, limit: size };
}

export interface Paged<T> {
  items: T[];
  page: number;
  hasPrev: boolean;
  hasNext: boolean;
  /** True on the last page the cap allows when more rows exist beyond it. */
  capped: boolean;
}

/**
 * The page from rows fetched with LIMIT limit + 1 (the extra row only says a next page exists, so no
 * count(*) over the whole match is needed).
 */
export function toPage<T>(rows: T[], p: OffsetPage, maxOffset = MAX_OFFSET): Paged<T> {
  const more = rows.length > p.limit;
  const atCap = p.offset + p.limit > maxOffset;
  return {
    items: rows.slice(0, p.limit),
    page: p.page,
    hasPrev: p.page > 1,
    hasNext: more && !atCap,
    capped: more && atCap,
  };
}

/** `base?k=v&page=N`, keeping the other parameters (page 1 drops the parameter). */
export function pageHref(base: string, params: Record<string, string>, page: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "") q.set(k, v);
  if (page > 1) q.set("page", String(page));
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

/** The Pager's links for an offset page: `href(n)` is page n's URL. */
export function pageLinks(
  p: Paged<unknown>,
  href: (page: number) => string,
): { prevHref?: string; nextHref?: string; current?: string; note?: string } {
  if (!p.hasPrev && !p.hasNext && !p.capped) return {};
  return {
    prevHref: p.hasPrev ? href(p.page - 1) : undefined,
    nextHref: p.hasNext ? href(p.page + 1) : undefined,
    current: `Page ${p.page}`,
    note: p.capped ? "More results: narrow the search to see them." : undefined,
  };
}
