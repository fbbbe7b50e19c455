/**
 * Form fields and their states. components.tsx renders `.field`, `.has-error` with aria-invalid and
 * aria-describedby pointing at `.field-error` (red, at the field, with an icon) and `.hint`.
 */
export const FORMS = `
.form .field{margin-bottom:var(--space-4)}
label{display:block;font-weight:600;margin-bottom:var(--space-1)}
:is(input:not([type]),input[type=text],input[type=email],input[type=password],input[type=search],input[type=url],input[type=number],input[type=date],input[type=datetime-local],select,textarea){
font:inherit;padding:9px 11px;border:1px solid var(--line-strong);border-radius:6px;background:#fff;color:var(--ink);max-width:100%}
:is(input:not([type]),input[type=text],input[type=email],input[type=password],input[type=search],input[type=url],textarea){width:100%}
:is(input,select,textarea):focus{outline:3px solid #8fd1c7;outline-offset:0;border-color:var(--accent)}
input[inputmode=numeric]{font-family:var(--mono);letter-spacing:.15em;max-width:14ch}
:is(.has-error,[aria-invalid=true]) :is(input,select,textarea),:is(input,select,textarea)[aria-invalid=true]{border-color:var(--danger);border-width:2px;background:#fffafa}
.field-error{color:var(--danger);margin:var(--space-1) 0 0;font-size:var(--text-sm);font-weight:600}
.field-error::before{content:"!" / "";display:inline-grid;place-items:center;width:1.2em;height:1.2em;margin-right:6px;border-radius:50%;background:var(--danger);color:#fff;font-size:.8em;vertical-align:.1em}
.hint{color:var(--muted);margin:0 0 var(--space-1);font-size:var(--text-sm)}
fieldset{border:1px solid var(--line);border-radius:var(--radius);padding:var(--space-3) var(--space-4);margin:0 0 var(--space-4);min-width:0}
legend{font-weight:600;padding:0 4px}
/* A choice's label reads as the option, not as a field's caption. */
.choice{display:flex;gap:var(--space-2);align-items:baseline;margin-bottom:var(--space-1)}
.choice label,label:has(>input[type=checkbox]),label:has(>input[type=radio]),input[type=checkbox]+label,input[type=radio]+label{font-weight:400;margin:0}
input[type=checkbox],input[type=radio]{accent-color:var(--accent);width:1.05em;height:1.05em}
.checklist{list-style:none;margin:var(--space-1) 0 0 var(--space-5);padding:0}
textarea{min-height:5em}
form.inline{display:inline}
/* The inline rename form in a table cell: a compact field next to its button. */
form.inline input:not([type]),form.inline input[type=text]{width:auto;min-width:10ch;max-width:22ch;padding:5px 8px}
form.inline .button{vertical-align:middle}
td .form .field{margin-bottom:6px}
.form-actions{display:flex;flex-wrap:wrap;gap:var(--space-2);align-items:center;margin-top:var(--space-4)}
.filters{display:flex;flex-wrap:wrap;gap:var(--space-2);align-items:end;margin-bottom:var(--space-3)}
.filters label{font-size:.9rem}.filters>div{min-width:160px;flex:1 1 160px}
.search-form .row{display:flex;gap:var(--space-2)}
`;
