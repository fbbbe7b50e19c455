/**
 * Tokens and page frame. Every size comes from the spacing and type scales below, so pages line up
 * without per-page numbers; the accent (a harbour teal) is the one colour that means "Wharf".
 */
export const BASE = `
:root{
--ink:#16232c;--muted:#56636f;--line:#d5dde3;--line-strong:#aab6c0;--bg:#f5f7f8;--card:#fff;
--accent:#0c766c;--accent-strong:#075a52;--accent-soft:#e2f3f0;--accent-ink:#fff;--focus:#f0b429;
--header:#0d2b33;--header-ink:#d6e9e6;
--danger:#b42318;--danger-soft:#fdeceb;--danger-line:#f0aba4;
--ok:#146c2e;--ok-soft:#e6f4ea;--ok-line:#9ccfab;
--info:#1d4f91;--info-soft:#e7effa;--info-line:#a8c3e8;
--warn:#7a4b00;--warn-soft:#fff4d6;--warn-line:#e5b84f;
--space-1:4px;--space-2:8px;--space-3:12px;--space-4:16px;--space-5:24px;--space-6:32px;--space-7:48px;
--text-sm:.875rem;--text-base:1rem;--text-md:1.125rem;--text-lg:1.3rem;--text-xl:1.75rem;
--radius:8px;--radius-lg:12px;
--mono:ui-monospace,"SFMono-Regular","Cascadia Mono","DejaVu Sans Mono",monospace;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
*{box-sizing:border-box}
body{margin:0;color:var(--ink);background:var(--bg);line-height:1.5;font-size:var(--text-base);overflow-wrap:break-word}
.wrap{max-width:1000px;margin:0 auto;padding-inline:20px}
main{padding-block:var(--space-6) var(--space-7)}
h1{font-size:var(--text-xl);line-height:1.25;margin:0 0 var(--space-4)}
h2{font-size:var(--text-lg);line-height:1.3;margin:var(--space-6) 0 var(--space-3)}
h3{font-size:var(--text-md);margin:var(--space-5) 0 var(--space-2)}
p{margin:0 0 var(--space-3)}
a{color:var(--accent)}a:hover{color:var(--accent-strong)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
code,pre,kbd{font-family:var(--mono);font-size:.92em}
code{background:#ebf0f2;padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
pre{background:#ebf0f2;padding:var(--space-3);border-radius:var(--radius);overflow-x:auto;white-space:pre-wrap;word-break:break-all}
pre code{background:none;padding:0}
img,svg{max-width:100%}
.muted{color:var(--muted)}
.sr-only,.visually-hidden{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;border:0}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:6px;z-index:9}
.site-header{background:var(--header);color:#fff}
.site-header .wrap{display:flex;flex-wrap:wrap;gap:var(--space-2) var(--space-4);align-items:center;min-height:60px;padding-block:var(--space-2)}
.brand{color:#fff;font-weight:700;font-size:1.2rem;text-decoration:none;white-space:nowrap}
.brand:hover{color:#fff}
.site-search{flex:1;max-width:340px}.site-search form{display:flex;gap:6px}
.site-search input[type=search]{padding:6px 10px;border-radius:6px;border:0;width:100%}
.site-menu{margin-left:auto}
.site-menu>summary{list-style:none;cursor:pointer;color:#fff;border:1px solid #4d6b72;border-radius:6px;padding:6px 12px;font-weight:600}
.site-menu>summary::-webkit-details-marker{display:none}
.site-menu>summary::before{content:"☰ " / ""}
.site-nav{display:flex;flex-wrap:wrap;gap:var(--space-4);align-items:center}
.site-nav a,.site-nav button.link{color:var(--header-ink);text-decoration:none;font:inherit;white-space:nowrap}
.site-nav a:hover,.site-nav button.link:hover{color:#fff;text-decoration:underline}
.site-nav .button.small{color:var(--header);background:#fff}
/* Wide screens: the menu's content is always shown and its summary hidden (no script needed). */
@supports selector(::details-content){@media (min-width:861px){
.site-menu>summary{display:none}.site-menu::details-content{content-visibility:visible;display:contents}}}
@media (max-width:860px){
.site-search{order:3;flex-basis:100%;max-width:none}
.site-menu{position:relative}
.site-menu[open]>summary{background:#1d434c}
.site-menu[open] .site-nav{position:absolute;right:0;top:calc(100% + 6px);z-index:5;min-width:230px;flex-direction:column;align-items:stretch;gap:0;
padding:var(--space-2);background:var(--header);border:1px solid #2f4d55;border-radius:var(--radius);box-shadow:0 8px 24px #0004}
.site-menu[open] .site-nav>*{padding:10px 8px;border-bottom:1px solid #2f4d55}
.site-menu[open] .site-nav>:last-child{border-bottom:0}
.site-menu[open] .site-nav .button.small{justify-content:flex-start}}
.site-footer{border-top:1px solid var(--line);color:var(--muted);font-size:.9rem;padding:var(--space-5) 0}
`;
