/**
 * The operator console: full width beside a sidebar (the 960 px site column is for reading; the console
 * is for tables), a sidebar that folds into a menu on phones, wrapped long values instead of sideways
 * scrolling, old → new details, and the user page's summary.
 */
export const CONSOLE_CSS = `
main.wrap:has(>.console){max-width:none;padding-left:24px;padding-right:24px}
.console{display:grid;grid-template-columns:220px minmax(0,1fr);gap:32px;align-items:start}
.console-nav{display:block;position:sticky;top:12px;background:#fff;border:1px solid var(--line);border-radius:10px;padding:8px}
.console-nav summary{display:none}
.console-nav nav{display:flex;flex-direction:column;gap:2px;align-items:stretch}
.console-nav a{display:block;padding:7px 12px;border-radius:6px;color:var(--ink);text-decoration:none}
.console-nav a:hover{background:#eef3f9;text-decoration:underline}
.console-nav a[aria-current=page]{background:#e3ebf5;color:var(--accent);font-weight:600;box-shadow:inset 3px 0 0 var(--accent)}
@media (max-width:760px){
main.wrap:has(>.console){padding-left:12px;padding-right:12px}
.console{grid-template-columns:minmax(0,1fr);gap:16px}
.console-nav{position:static;padding:0}
.console-nav summary{display:flex;justify-content:space-between;gap:8px;padding:10px 14px;cursor:pointer;font-weight:600}
.console-nav[open] summary{border-bottom:1px solid var(--line)}
.console-nav nav{padding:6px}
}
.console-main td,.console-main dd{overflow-wrap:anywhere}
.console-main td{min-width:0}
dl.details{margin:0;display:flex;flex-direction:column;gap:2px}
dl.details>div{display:flex;flex-wrap:wrap;gap:0 6px}
dl.details dt{font-weight:600;color:var(--muted);font-size:.9rem}
dl.details dt::after{content:":"}
dl.details dd{margin:0;overflow-wrap:anywhere;min-width:0}
/* Details may break anywhere (long file names), so a table sized to its content would squeeze them to a
   letter a line on a phone (a 3,000 px history page): their column keeps a readable width and the table
   scrolls in its box instead. */
.table-scroll dl.details{min-width:24ch}
dl.details del{text-decoration:line-through;color:var(--danger);background:#fdecea;padding:0 3px;border-radius:3px}
dl.details ins{text-decoration:none;color:var(--ok);background:#e7f5ec;padding:0 3px;border-radius:3px}
.audit .reason{margin:0 0 4px}.audit td:first-child{white-space:nowrap}
/* The phase names (notice, warn, enforce) never break inside a word in the mandate preview. */
[data-table=phases] td:first-child{white-space:nowrap}
.state.stale{background:var(--warn-bg);border:1px dashed var(--warn-line)}
.summary-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px;margin:12px 0 20px}
.summary-grid>div{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.summary-grid dt{font-size:.85rem;color:var(--muted);font-weight:600}
.summary-grid dd{margin:2px 0 0;font-size:1.05rem}
.summary-grid .flag{color:var(--danger);font-weight:600}
.event-counts{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0;margin:8px 0 12px}
.event-counts li{background:#eef1f5;border-radius:10px;padding:1px 10px;font-size:.9rem}
.chart-legend{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;padding:0;margin:4px 0 0;font-size:.9rem}
.chart-legend svg{vertical-align:middle;width:36px;height:12px}
`;
