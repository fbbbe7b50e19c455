export { createTestApp, type TestApp } from "./app.js";
export { FormClient, textOf } from "./browser.js";
export { createPgSchema, type DbKind, testDatabases } from "./databases.js";
export { missing, requirement } from "./requirements.js";
