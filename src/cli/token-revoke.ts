import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { hashSecret } from '../auth/secrets';
import { usersRepository } from '../db/repositories/users';
import { runCli, usage, UsageError } from './run-cli';

/**
 * `npm run token:revoke -- --token T` revokes one API token (`--token -` reads it from stdin, which keeps it
 * out of the shell history and the process list); `-- --email E` revokes every token of that user. Prints one
 * JSON line. Every instance refuses the token within a second (the credential feed, migration 004).
 * Exit codes: 0 done (also when it was revoked already), 1 no such token or user, 2 bad flags or configuration.
 */
const USAGE = 'usage: npm run token:revoke -- --token T|-   or   npm run token:revoke -- --email E';

const argsSchema = z.union([
  z.strictObject({ token: z.string().min(1, '--token needs a value') }),
  z.strictObject({ email: z.email('--email must be an email address') }),
]);

function parse(): { token: string } | { email: string } {
  const values = usage(USAGE, () =>
    parseArgs({ options: { token: { type: 'string' }, email: { type: 'string' } }, strict: true }).values,
  );
  if (values.token !== undefined && values.email !== undefined) throw new UsageError(`give --token or --email, not both\n${USAGE}`);
  if (values.token === undefined && values.email === undefined) throw new UsageError(`give --token or --email\n${USAGE}`);
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(`${parsed.error.issues.map((i) => i.message).join('\n')}\n${USAGE}`);
  if ('token' in parsed.data && parsed.data.token === '-') {
    const token = fs.readFileSync(0, 'utf8').trim();
    if (!token) throw new UsageError(`--token -: no token on stdin\n${USAGE}`);
    return { token };
  }
  return parsed.data;
}

void runCli(parse, async (client, args) => {
  if ('token' in args) {
    const result = await usersRepository.revokeToken(client, hashSecret(args.token));
    // The token itself is never echoed, not even in the error.
    if (!result.found) throw new Error('no such API token');
    return { revoked: result.revoked, user_id: result.userId };
  }
  const result = await usersRepository.revokeUserTokens(client, args.email);
  if (!result) throw new Error(`no user with email ${args.email}`);
  return { revoked: result.revoked, user_id: result.user.userId, email: result.user.email };
});
