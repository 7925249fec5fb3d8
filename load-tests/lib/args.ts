import { parseArgs } from 'node:util';

/** Parses `--name value` integer and string flags for the load scripts, failing with a usage line. */
export function parseFlags<T extends Record<string, 'int' | 'string' | 'bool'>>(
  spec: T,
  usage: string,
): { [K in keyof T]?: T[K] extends 'int' ? number : T[K] extends 'bool' ? boolean : string } {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, kind]) => [name, { type: kind === 'bool' ? ('boolean' as const) : ('string' as const) }]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ options, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  const out: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(spec)) {
    const value = values[name];
    if (value === undefined) continue;
    if (kind === 'int') {
      if (typeof value !== 'string' || !/^\d+$/.test(value)) {
        process.stderr.write(`--${name} must be a whole number\n${usage}\n`);
        process.exit(2);
      }
      out[name] = Number(value);
    } else out[name] = value;
  }
  return out as never;
}
