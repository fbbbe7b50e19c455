/** Rules of particular pages: the home hero, project pages, descriptions, the console frame, the QR. */
export const PAGES = `
.hero{padding:var(--space-5) 0}.hero p{font-size:1.1rem;color:var(--muted);max-width:640px}
.subnav{margin-bottom:var(--space-4)}
.project-head .summary{font-size:1.15rem;color:var(--muted)}.version{color:var(--muted);font-weight:400}
.project-layout{display:grid;grid-template-columns:260px minmax(0,1fr);gap:28px}
@media (max-width:760px){.project-layout{grid-template-columns:minmax(0,1fr)}}
.sidebar h2{font-size:1rem;margin:18px 0 6px}.sidebar section:first-child h2{margin-top:0}
.meta dt{font-weight:600}.meta dd{margin:0 0 8px}
.description{background:#fff;border:1px solid var(--line);border-radius:10px;padding:8px 20px;overflow-wrap:anywhere}
.description img{max-width:100%}
.project-main{min-width:0}
pre.install{word-break:normal;overflow-wrap:anywhere}
.description pre{white-space:pre;word-break:normal;overflow-wrap:normal}
.description table{display:block;overflow-x:auto;width:max-content;max-width:100%}
.description :is(th,td){overflow-wrap:normal;word-break:normal;min-width:6ch}
.dist-tags>div{display:flex;gap:12px}.dist-tags dt{min-width:6ch}
.description-text{white-space:pre-wrap;word-break:normal}
code.hash{font-size:.8rem;word-break:break-all}td.hashes{max-width:320px}.table-scroll td.hashes{min-width:26ch}
.releases li{margin-bottom:6px}.releases .yanked>a{text-decoration:line-through}
.yank-reason{color:var(--danger)}
.release{list-style:none}.release details{margin-top:14px}
ol.releases{list-style:none;padding:0}
.results .result h2{margin:16px 0 4px;font-size:1.15rem}
.console{display:grid;grid-template-columns:190px minmax(0,1fr);gap:var(--space-5)}
@media (max-width:760px){.console{grid-template-columns:minmax(0,1fr)}.console-nav{flex-direction:row!important;flex-wrap:wrap}}
.console-nav{display:flex;flex-direction:column;gap:2px}.console-nav a{padding:6px 10px;border-radius:6px;color:var(--accent)}
.console-nav a[aria-current=page]{background:var(--accent-soft);font-weight:600;color:var(--accent-strong)}
.console-main{min-width:0}
.chart{background:#fff;border:1px solid var(--line);border-radius:var(--radius);padding:8px;margin:12px 0}.chart svg{width:100%;height:auto}
.swatch.accent{background:var(--accent);color:#fff}.swatch.accent-strong{background:var(--accent-strong);color:#fff}
.swatch.accent-soft{background:var(--accent-soft)}.swatch.header{background:var(--header);color:#fff}
.swatch.danger{background:var(--danger);color:#fff}.swatch.ok{background:var(--ok);color:#fff}
.swatch.warn{background:var(--warn-soft)}.swatch.info{background:var(--info);color:#fff}
.type-scale>*{margin:0 0 var(--space-2)}.type-scale .h-xl{font-size:var(--text-xl);font-weight:700}.type-scale .h-lg{font-size:var(--text-lg);font-weight:700}
.type-scale .h-md{font-size:var(--text-md);font-weight:700}.small{font-size:var(--text-sm)}
.space-scale{display:flex;flex-direction:column;gap:var(--space-1)}
.space-scale span{display:block;height:10px;background:var(--accent)}
.space-scale .s1{width:var(--space-1)}.space-scale .s2{width:var(--space-2)}.space-scale .s3{width:var(--space-3)}
.space-scale .s4{width:var(--space-4)}.space-scale .s5{width:var(--space-5)}.space-scale .s6{width:var(--space-6)}.space-scale .s7{width:var(--space-7)}
`;
