import { parseArgs } from 'node:util';
import type pg from 'pg';
import { runCli, usage } from './run-cli';

/**
 * `npm run user:list [-- --json]`: every user with its role, whether it can sign in with a password, and how
 * many API tokens and browser sessions it has in force. A table on stdout, or one JSON line with `--json`.
 * Never shows a secret: only digests are stored.
 */
const USAGE = 'usage: npm run user:list [-- --json]';

export interface UserRow {
  id: number;
  email: string;
  role: string;
  password: boolean;
  active_tokens: number;
  active_sessions: number;
  last_token_at: string | null;
  created_at: string;
}

const LIST_USERS = `
  SELECT u.id, u.email, u.role, u.password_hash IS NOT NULL AS password,
    (SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL)::int AS active_tokens,
    (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > now())::int AS active_sessions,
    (SELECT max(t.created_at) FROM api_tokens t WHERE t.user_id = u.id) AS last_token_at,
    u.created_at
  FROM users u
  ORDER BY u.id`;

async function listUsers(client: pg.ClientBase): Promise<UserRow[]> {
  const { rows } = await client.query<Omit<UserRow, 'last_token_at' | 'created_at'> & { last_token_at: Date | null; created_at: Date }>(LIST_USERS);
  return rows.map((r) => ({ ...r, last_token_at: r.last_token_at?.toISOString() ?? null, created_at: r.created_at.toISOString() }));
}

/** Fixed-width columns, header first; dates to the minute (UTC). */
function formatUserTable(users: UserRow[]): string {
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
    const users = await listUsers(client);
    if (args.json) return users;
    process.stdout.write(formatUserTable(users));
    return undefined;
  });
}
