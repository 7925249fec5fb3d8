import { parseArgs } from 'node:util';
import { usersRepository, type UserSummary } from '../db/repositories/users';
import { runCli, usage } from './run-cli';

/**
 * `npm run user:list [-- --json]`: every user with its role, whether it can sign in with a password, and how
 * many API tokens and browser sessions it has in force. A table on stdout, or one JSON line with `--json`.
 * Never shows a secret: only digests are stored.
 */
const USAGE = 'usage: npm run user:list [-- --json]';

/** Fixed-width columns, header first; dates to the minute (UTC). */
function formatUserTable(users: UserSummary[]): string {
  if (users.length === 0) return 'No users. Create one with: npm run user:create -- --email E --role admin|technician\n';
  const minute = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')}Z` : '-');
  const table = [
    ['ID', 'EMAIL', 'ROLE', 'PASSWORD', 'TOKENS', 'SESSIONS', 'LAST TOKEN', 'CREATED'],
    ...users.map((u) => [
      String(u.id), u.email, u.role, u.password ? 'set' : 'none', String(u.active_tokens), String(u.active_sessions),
      minute(u.last_token_at), minute(u.created_at),
    ]),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  return `${table.map((row) => row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()).join('\n')}\n`;
}

function parse(): { json: boolean } {
  const values = usage(USAGE, () => parseArgs({ options: { json: { type: 'boolean' } }, strict: true }).values);
  return { json: values.json === true };
}

if (require.main === module) {
  void runCli(parse, async (client, args) => {
    const users = await usersRepository.listSummaries(client);
    if (args.json) return users;
    process.stdout.write(formatUserTable(users));
    return undefined;
  });
}
