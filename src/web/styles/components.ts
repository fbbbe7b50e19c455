/**
 * Buttons, alerts and banners, cards, badges and tables. Icons are CSS generated content (the CSP has
 * no img-src for data: URIs and no inline style), hidden from screen readers with `content: "…" / ""`;
 * each alert's role and text carry its meaning, the icon and colour only repeat it.
 */
export const COMPONENTS = `
.button{display:inline-flex;align-items:center;justify-content:center;gap:6px;border:1px solid transparent;border-radius:6px;padding:9px 16px;font:inherit;font-weight:600;line-height:1.3;cursor:pointer;text-decoration:none;text-align:center}
.button.primary{background:var(--accent);color:var(--accent-ink)}
.button.primary:hover{background:var(--accent-strong);color:#fff}
.button.secondary{background:#fff;color:var(--ink);border-color:var(--line-strong)}
.button.secondary:hover{background:#eef3f4;color:var(--ink)}
.button.danger{background:#fff;color:var(--danger);border-color:var(--danger-line)}
.button.danger:hover{background:var(--danger);color:#fff}
.button.danger.solid{background:var(--danger);color:#fff}
.button.small{padding:5px 12px;font-size:var(--text-sm)}
.button:disabled{opacity:.55;cursor:not-allowed}
button.link{background:none;border:0;padding:0;cursor:pointer;color:var(--accent);font:inherit;text-decoration:underline}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius-lg);padding:var(--space-5);margin-bottom:var(--space-5)}
.card>h2:first-child,.card>h3:first-child{margin-top:0}
@media (max-width:600px){.card{padding:var(--space-4)}}
.narrow{max-width:460px;margin:0 auto}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(260px,100%),1fr));gap:var(--space-4)}
.alert{position:relative;padding:var(--space-3) var(--space-4) var(--space-3) 48px;border-radius:var(--radius);margin-bottom:var(--space-4);border:1px solid;border-left-width:5px}
.alert::before,.banner>.wrap::before{position:absolute;left:14px;top:13px;display:grid;place-items:center;width:22px;height:22px;border-radius:50%;color:#fff;font-weight:700;font-size:.8rem;line-height:1}
.alert>:last-child{margin-bottom:0}
.alert.success{background:var(--ok-soft);border-color:var(--ok-line);border-left-color:var(--ok);color:#0f4f22}
.alert.success::before{content:"✓" / "";background:var(--ok)}
.alert.info{background:var(--info-soft);border-color:var(--info-line);border-left-color:var(--info)}
.alert.info::before{content:"i" / "";background:var(--info);font-family:Georgia,serif;font-style:italic}
.alert.warn{background:var(--warn-soft);border-color:var(--warn-line);border-left-color:#b7791f}
.alert.warn::before{content:"!" / "";background:#b7791f}
.alert.error{background:var(--danger-soft);border-color:var(--danger-line);border-left-color:var(--danger);color:#8a1c13}
.alert.error::before{content:"!" / "";background:var(--danger)}
.banner{border-bottom:1px solid;padding:var(--space-2) 0}
.banner>.wrap{position:relative;padding-left:54px}
.banner>.wrap::before{left:20px;top:1px}
.banner.mandate.notice{background:var(--info-soft);border-color:var(--info-line)}
.banner.mandate.notice>.wrap::before{content:"i" / "";background:var(--info);font-family:Georgia,serif;font-style:italic}
.banner.warn,.banner.mandate.warn{background:var(--warn-soft);border-color:var(--warn-line)}
.banner.warn>.wrap::before{content:"!" / "";background:#b7791f}
.banner.mandate.enforce{background:var(--danger-soft);border-color:var(--danger-line);border-bottom-width:3px}
.banner.mandate.enforce>.wrap::before{content:"!" / "";background:var(--danger)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8rem;background:#e6ecef;color:var(--ink);white-space:nowrap}
.badge.ok{background:var(--ok-soft);color:var(--ok)}.badge.warn{background:var(--warn-soft);color:var(--warn)}
.badge.danger{background:var(--danger-soft);color:var(--danger)}.badge.accent{background:var(--accent-soft);color:var(--accent-strong)}
.state{display:inline-block;padding:1px 8px;border-radius:10px;background:#eef1f5;font-size:.85rem}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:9px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em;white-space:nowrap}
tbody tr:hover{background:#f8fafb}
/*
 * Every table sits in a scroll container (TableScroll): on a narrow screen the table scrolls inside it,
 * never the page. The shadows at the edges (scrolling-shadow technique: local vs scroll backgrounds)
 * show that there is more to the side. It is positioned so that visually hidden labels in its cells
 * (absolutely positioned) stay inside it instead of widening the page.
 */
.table-scroll{position:relative;overflow-x:auto;margin-bottom:var(--space-5);border:1px solid var(--line);border-radius:var(--radius);
background:linear-gradient(to right,#fff 30%,#fff0) left center/40px 100% no-repeat local,linear-gradient(to left,#fff 30%,#fff0) right center/40px 100% no-repeat local,
radial-gradient(farthest-side at 0 50%,#0003,#0000) left center/14px 100% no-repeat scroll,radial-gradient(farthest-side at 100% 50%,#0003,#0000) right center/14px 100% no-repeat scroll,#fff}
.table-scroll>table{background:transparent;margin:0}
.table-scroll>table tr:last-child>td{border-bottom:0}
.table-scroll:focus-visible{outline:3px solid var(--focus)}
.table-scroll td{min-width:7ch}.table-scroll td time{white-space:nowrap}
dl.meta dt{font-weight:600}dl.meta dd{margin:0 0 var(--space-2)}
.pager{display:flex;flex-wrap:wrap;gap:var(--space-3);align-items:center;margin:var(--space-3) 0}
.stat-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(170px,100%),1fr));gap:var(--space-3);margin:var(--space-3) 0}
.stat{background:#fff;border:1px solid var(--line);border-radius:var(--radius);padding:10px 14px}.stat b{display:block;font-size:1.5rem}
.stat .muted{display:block;font-size:.85rem}
ul.plain,ol.plain{list-style:none;padding:0;margin:0}
code.secret{display:inline-block;font-size:1.05rem;padding:8px 10px;word-break:break-all;border:1px dashed var(--accent);background:var(--accent-soft)}
.swatches{display:flex;flex-wrap:wrap;gap:var(--space-2)}
.swatch{display:flex;align-items:end;width:120px;height:64px;padding:6px;border-radius:var(--radius);border:1px solid var(--line);font-size:.8rem}
`;
