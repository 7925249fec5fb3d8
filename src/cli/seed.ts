import { parseArgs } from 'node:util';
import { MAX_SEED_ROWS, seedDatabase, type SeedOptions } from '../db/seed';
import { runCli, UsageError } from './run-cli';

/**
 * `npm run db:seed -- --contacts N --tickets N --assets N [--clients N]`: migrates the configured database, fills
 * it with deterministic demo data and prints the SeedSummary as one JSON line on stdout. Exit codes: 0 done,
 * 1 the seed failed (e.g. the database is not empty), 2 bad flags or configuration.
 */
const USAGE = 'usage: npm run db:seed -- [--contacts N] [--tickets N] [--assets N] [--clients N]';
const DEFAULTS = { contacts: 50, tickets: 100, assets: 200 };
const FLAGS = ['contacts', 'tickets', 'assets', 'clients'] as const;
type Flag = (typeof FLAGS)[number];

function isFlag(name: string): name is Flag {
  return (FLAGS as readonly string[]).includes(name);
}

/**
 * parseArgs in strict mode throws at the first mistake; we read its tokens instead and apply the same rules
 * (no unknown options, no positionals, every option has a value) so one run reports every problem.
 */
export function parseSeedFlags(args: string[]): { options: SeedOptions; problems: string[] } {
  const { tokens } = parseArgs({
    args,
    strict: false,
    tokens: true,
    options: Object.fromEntries(FLAGS.map((name) => [name, { type: 'string' as const }])),
  });
  const problems: string[] = [];
  const given = new Map<Flag, number>();
  for (const token of tokens) {
    if (token.kind === 'positional') {
      problems.push(`unexpected argument "${token.value}"`);
    } else if (token.kind === 'option') {
      const { name, rawName, value } = token;
      if (!isFlag(name)) problems.push(`unknown option ${rawName}`);
      else if (given.has(name)) problems.push(`${rawName} is given more than once`);
      else if (value === undefined) problems.push(`${rawName} needs a value`);
      else if (!token.inlineValue && value.startsWith('--')) problems.push(`${rawName} needs a value, got ${value}`);
      else if (!/^\d+$/.test(value) || Number(value) > MAX_SEED_ROWS) {
        problems.push(`${rawName} must be a whole number from 0 to ${MAX_SEED_ROWS}, got "${value}"`);
      } else given.set(name, Number(value));
    }
  }
  const options: SeedOptions = {
    contacts: given.get('contacts') ?? DEFAULTS.contacts,
    tickets: given.get('tickets') ?? DEFAULTS.tickets,
    assets: given.get('assets') ?? DEFAULTS.assets,
  };
  const clients = given.get('clients');
  if (clients !== undefined) options.clients = clients;
  return { options, problems };
}

function parse(): SeedOptions {
  const { options, problems } = parseSeedFlags(process.argv.slice(2));
  if (problems.length > 0) throw new UsageError(`Invalid flags:\n${problems.map((p) => `  - ${p}`).join('\n')}\n${USAGE}`);
  return options;
}

if (require.main === module) void runCli(parse, (client, options) => seedDatabase(client, options));
