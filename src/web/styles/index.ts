import { BASE } from "./base.js";
import { COMPONENTS } from "./components.js";
import { CONSOLE_CSS } from "./console.js";
import { ENROL_CSS } from "./enrol.js";
import { FLOWS_CSS } from "./flows.js";
import { FORMS } from "./forms.js";
import { PAGES } from "./pages.js";

/**
 * The site stylesheet, served at /static/wharf.css. Kept in modules so the build needs no asset copying;
 * one file per concern so a feature can add its own (e.g. styles/console.ts) and list it here.
 */
export const STYLESHEET = [BASE, FORMS, COMPONENTS, PAGES, FLOWS_CSS, ENROL_CSS, CONSOLE_CSS].join("\n");
