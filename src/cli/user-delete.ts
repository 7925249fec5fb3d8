import { parseArgs } from 'node:util';
import { z } from 'zod';
import { usersRepository } from '../db/repositories/users';
import { runCli, usage, UsageError } from './run-cli';

/**
 * `npm run user:delete -- --email E`: deletes the user with its API tokens and sessions, and prints one JSON
 * line. Every instance refuses its credentials within a second (the credential feed, migration 004).
 * Exit codes: 0 deleted, 1 no such user, 2 bad flags or configuration.
 */
const USAGE = 'usage: npm run user:delete -- --email E';

const argsSchema = z.strictObject({ email: z.email('--email must be an email address') });

function parse() {
  const values = usage(USAGE, () => parseArgs({ options: { email: { type: 'string' } }, strict: true }).values);
  if (values.email === undefined) throw new UsageError(`give --email\n${USAGE}`);
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(`${parsed.error.issues.map((i) => i.message).join('\n')}\n${USAGE}`);
  return parsed.data;
}

void runCli(parse, async (client, args) => {
  const result = await usersRepository.deleteUser(client, args.email);
  if (!result) throw new Error(`no user with email ${args.email}`);
  return { deleted: true, id: result.user.userId, email: result.user.email, role: result.user.role, tokens: result.tokens, sessions: result.sessions };
});
