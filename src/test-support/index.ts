export { createTestApp, type TestApp } from "./app.js";
export { FormClient, textOf } from "./browser.js";
export { createPgSchema, type DbKind, testDatabases } from "./databases.js";
export { FakeDns, startDnsServer, type Zone, type ZoneEntry } from "./dns.js";
export { createTwoInstances, type TwoInstances } from "./instances.js";
export { type OutboxMessage, readOutbox } from "./outbox.js";
export { basicAuth, maintainer, tokenFor, twineForm } from "./pypi.js";
export { missing, nginxBinary, requirement, wheelBuildPython } from "./requirements.js";
export { recordingDb, seedProjects, seedUsers } from "./seed.js";
