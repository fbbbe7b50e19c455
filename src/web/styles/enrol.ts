/** Styles of the enrolment pages (protect, authenticator app, recovery codes) and the copy component. */
export const ENROL_CSS = `
[hidden]{display:none!important}
.copyable{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0 12px}
.copyable.block{display:block;position:relative}
.copyable.block pre{margin:0;padding-right:76px}
.copyable.block .copy-button{position:absolute;top:8px;right:8px}
.copy-text{user-select:all}
.copyable>code.copy-text{overflow-wrap:anywhere;word-break:break-all;max-width:100%}
.copy-status{color:var(--ok);font-size:.9rem}.copy-status:empty{display:none}
.copy-actions{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:12px 0}
.copy-actions .copy-status{flex-basis:100%}
.protect .options{display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));margin:16px 0}
.protect .option{border:1px solid var(--line);border-radius:10px;padding:18px;background:#fff}
.protect .option.recommended{border:2px solid var(--accent)}
.protect .option h2{margin-top:0;font-size:1.15rem}
.protect .option .badge{margin-left:6px;vertical-align:middle}
.protect .later{margin-top:8px}
.twofa-card{border-left:6px solid var(--accent)}
.twofa-card.off{border-left-color:var(--danger)}
.twofa-card .status{font-size:1.05rem}
.totp-setup{display:grid;grid-template-columns:220px 1fr;gap:24px;align-items:start}
.totp-setup .qr svg{width:200px;height:200px;display:block;background:#fff}
.totp-setup .qr{width:212px;padding:6px;border:1px solid var(--line);border-radius:8px;background:#fff}
@media (max-width:640px){.totp-setup{grid-template-columns:1fr}.totp-setup .qr{margin:0 auto}}
code.grouped-secret{font-size:1.1rem;letter-spacing:.04em;word-spacing:.2em;white-space:normal}
.otpauth-link{display:inline-block;margin:4px 0 8px}
ul.codes{list-style:none;padding:0;margin:12px 0;display:grid;grid-template-columns:repeat(2,max-content);gap:6px 24px;font-size:1.05rem}
@media (max-width:420px){ul.codes{grid-template-columns:1fr}}
ul.codes code{background:none;font-family:ui-monospace,Menlo,Consolas,monospace;letter-spacing:.03em}
.print-only{display:none}
@media print{
.site-header,.site-footer,.banner,.skip,.no-print,.alert,form,button,.button{display:none!important}
body{background:#fff}main{padding:0}.card{border:0;padding:0}.print-only{display:block}
ul.codes{font-size:14pt}
}
`;
