/**
 * Styles of the flows issue 14 items 7–9 touched: mandate banners that read without colour, the
 * WebAuthn button's no-script and unsupported messages, recovery link pages.
 */
export const FLOWS_CSS = `
.banner-row{display:flex;flex-wrap:wrap;gap:4px 8px;align-items:baseline}
.banner-label{font-weight:700;text-transform:uppercase;letter-spacing:.04em;font-size:.85rem;white-space:nowrap}
.banner.mandate.notice{border-left:6px solid #2f6db5}.banner.mandate.warn{border-left:6px dashed #9a6700}
.banner.mandate.enforce{border-left:6px double #b42318;font-weight:600}.banner.mandate.enforce .banner-label{color:#8a1c12}
.webauthn-block{margin:12px 0}
.webauthn-note{margin:8px 0 0;padding:8px 12px;border-left:4px solid var(--warn-line);background:var(--warn-bg);font-size:.95rem}
.webauthn-error{color:var(--danger);margin:8px 0 0}
.webauthn-block button[disabled]{opacity:.6;cursor:not-allowed}
.link-actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:12px}
`;
