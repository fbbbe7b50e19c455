import { parseArgs } from "node:util";
import { SETTINGS } from "../config.js";

export type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** Every setting is also a flag: WHARF_DATA_DIR ↔ --data-dir. */
export const SETTING_FLAGS: Options = Object.fromEntries(
  Object.keys(SETTINGS).map((name) => [
    name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
    { type: "string" as const },
  ]),
);

export class UsageError extends Error {}

export function parse(
  argv: string[],
  options: Options,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({
      args: argv,
      options: { ...SETTING_FLAGS, ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The setting flags that were given, keyed by setting name, for loadConfig. */
export function settingFlags(values: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of Object.keys(SETTINGS)) {
    const flag = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (typeof values[flag] === "string") out[name] = values[flag] as string;
  }
  return out;
}

export const SETTINGS_HELP = `Settings (each also an environment variable):\n${Object.entries(SETTINGS)
  .map(([name, s]) => `  --${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).padEnd(24)} ${s.env}`)
  .join("\n")}`;

/**
 * `wharf <group> --help`: the flag lands where the subcommand goes, so parse() never sees it. Every
 * group asks this instead of `values.help` alone, so its usage is printed with exit 0.
 */
export const asksHelp = (values: { help?: unknown }, ...words: (string | undefined)[]): boolean =>
  values.help === true || words.some((w) => w === "--help" || w === "-h" || w === "help");
