/** The site stylesheet, kept in a module so the build needs no asset copying; served at /static/wharf.css. */
import { CONSOLE_CSS } from "./styles/console.js";
import { ENROL_CSS } from "./styles/enrol.js";
import { FLOWS_CSS } from "./styles/flows.js";

export const STYLESHEET = `
:root{--ink:#17212b;--muted:#5a6776;--line:#d9dee5;--bg:#f6f8fa;--card:#fff;--accent:#0b5cad;--accent-ink:#fff;
--danger:#b42318;--ok:#137333;--warn-bg:#fff4d6;--warn-line:#f0c35a;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
*{box-sizing:border-box}
body{margin:0;color:var(--ink);background:var(--bg);line-height:1.5;font-size:16px}
.wrap{max-width:960px;margin:0 auto;padding:0 20px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:6px;z-index:9}
.site-header{background:#0f2740;color:#fff}
.site-header .wrap{display:flex;flex-wrap:wrap;gap:8px;align-items:center;justify-content:space-between;min-height:56px;padding-top:8px;padding-bottom:8px}
.brand{color:#fff;font-weight:700;font-size:1.2rem;text-decoration:none}
nav{display:flex;gap:16px;align-items:center}
nav a,nav button.link{color:#dbe7f3;text-decoration:none;font:inherit}
nav a:hover,nav button.link:hover{color:#fff;text-decoration:underline}
main{padding:28px 20px 48px}
h1{font-size:1.7rem;margin:0 0 16px}h2{font-size:1.25rem;margin:28px 0 12px}
a{color:var(--accent)}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:24px;margin-bottom:20px}
.narrow{max-width:440px;margin:0 auto}
.form .field{margin-bottom:16px}
label{display:block;font-weight:600;margin-bottom:4px}
input[type=text],input[type=email],input[type=password],input[type=search]{width:100%;padding:9px 11px;border:1px solid #b9c2cc;border-radius:6px;font:inherit;background:#fff}
input:focus{outline:3px solid #9cc3ef;border-color:var(--accent)}
.has-error input{border-color:var(--danger)}
.field-error{color:var(--danger);margin:4px 0 0;font-size:.92rem}
.hint{color:var(--muted);margin:0 0 4px;font-size:.9rem}
.button{display:inline-block;border:0;border-radius:6px;padding:9px 16px;font:inherit;font-weight:600;cursor:pointer;text-decoration:none}
.button.primary{background:var(--accent);color:var(--accent-ink)}
.button.secondary{background:#e8edf3;color:var(--ink)}
.button.danger{background:var(--danger);color:#fff}
.button.small{padding:5px 12px;background:#fff;color:#0f2740}
button.link{background:none;border:0;padding:0;cursor:pointer}
form.inline{display:inline}
.alert{padding:12px 14px;border-radius:8px;margin-bottom:18px;border:1px solid}
.alert.success{background:#e7f5ec;border-color:#9fd3b0;color:var(--ok)}
.alert.info{background:#e8f1fb;border-color:#a9c8ec}
.alert.error{background:#fdecea;border-color:#f1aaa3;color:var(--danger)}
.banner.mandate{padding:8px 0;border-bottom:1px solid}.banner.mandate.notice{background:#e8f1fb;border-color:#a9c8ec}.banner.mandate.warn{background:var(--warn-bg);border-color:var(--warn-line)}.banner.mandate.enforce{background:#fdecea;border-color:#f1aaa3}
.banner.warn{background:var(--warn-bg);border-bottom:1px solid var(--warn-line);padding:8px 0}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:9px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.muted{color:var(--muted)}.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8rem;background:#e8edf3}
.badge.ok{background:#e7f5ec;color:var(--ok)}.badge.warn{background:var(--warn-bg)}
.hero{padding:24px 0}.hero p{font-size:1.1rem;color:var(--muted);max-width:640px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:16px}
code{background:#eef1f5;padding:1px 5px;border-radius:4px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.site-search{flex:1;max-width:340px;margin:0 20px}.site-search form{display:flex;gap:6px}
.site-search input{padding:5px 9px;border-radius:6px;border:0;font:inherit;width:100%}
input[type=number],select{padding:9px 11px;border:1px solid #b9c2cc;border-radius:6px;font:inherit;background:#fff}
fieldset{border:1px solid var(--line);border-radius:8px;padding:12px 16px}legend{font-weight:600;padding:0 4px}
.choice{display:flex;gap:8px;align-items:baseline}.choice label{font-weight:400;margin:0}
.checklist{list-style:none;margin:4px 0 0 24px;padding:0}
ul.plain,ol.plain{list-style:none;padding:0;margin:0}
h3{font-size:1.05rem;margin:20px 0 8px}
pre{background:#eef1f5;padding:12px;border-radius:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
pre code{background:none;padding:0}
code.secret{display:inline-block;font-size:1.05rem;padding:8px 10px;word-break:break-all;border:1px dashed var(--accent)}
.project-head .summary{font-size:1.15rem;color:var(--muted)}.version{color:var(--muted);font-weight:400}
.project-layout{display:grid;grid-template-columns:260px 1fr;gap:28px}
@media (max-width:760px){.project-layout{grid-template-columns:1fr}}
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
code.hash{font-size:.8rem;word-break:break-all}td.hashes{max-width:320px}
.releases li{margin-bottom:6px}.releases .yanked>a{text-decoration:line-through}
.yank-reason{color:var(--danger)}
.release{list-style:none}.release details{margin-top:14px}
.card>h2:first-child,.card>h3:first-child{margin-top:0}
ol.releases{list-style:none;padding:0}
.subnav{margin-bottom:16px}.subnav a{color:var(--accent)}
.search-form .row{display:flex;gap:8px}
.results .result h2{margin:16px 0 4px;font-size:1.15rem}
.console{display:grid;grid-template-columns:190px 1fr;gap:24px}
@media (max-width:760px){.console{grid-template-columns:1fr}}
.console-nav{display:flex;flex-direction:column;gap:2px}.console-nav a{padding:6px 10px;border-radius:6px;color:var(--accent)}
.console-nav a[aria-current=page]{background:#e3ebf5;font-weight:600}
.console-main{min-width:0}.console-main table{width:100%}
.stat-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin:12px 0}
.stat{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px}.stat b{display:block;font-size:1.5rem}
.chart{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px;margin:12px 0}.chart svg{width:100%;height:auto}
.state{display:inline-block;padding:1px 8px;border-radius:10px;background:#eef1f5;font-size:.85rem}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin-bottom:12px}
input[type=date]{padding:9px 11px;border:1px solid #b9c2cc;border-radius:6px;font:inherit;background:#fff}
.filters label{font-weight:600;font-size:.9rem}.filters>div{min-width:160px}
td .form .field{margin-bottom:6px}
textarea{width:100%;padding:9px 11px;border:1px solid #b9c2cc;border-radius:6px;font:inherit}
.console-main table{margin-bottom:20px}.stat .muted{display:block;font-size:.85rem}
.site-footer{border-top:1px solid var(--line);color:var(--muted);font-size:.9rem;padding:20px 0}
${FLOWS_CSS}${ENROL_CSS}
${CONSOLE_CSS}`;
