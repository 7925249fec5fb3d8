import { parseArgs } from 'node:util';
import { z } from 'zod';
import { issueToken } from '../services/api-tokens';
import { runCli, usage, UsageError } from './run-cli';

/**
 * `npm run token:create -- --email E [--label L]`: a new API token for an existing user, printed once as one
 * JSON line; the user's role, password and other tokens stay as they are. Exit codes: 0 done, 1 no such user
 * (or the database failed), 2 bad flags or configuration.
 */
const USAGE = 'usage: npm run token:create -- --email E [--label L]';

const argsSchema = z.object({
  email: z.email('--email must be an email address'),
  label: z.string().trim().min(1, '--label must not be empty').max(255, '--label must have at most 255 characters').default('cli'),
});

function parse() {
  const values = usage(USAGE, () =>
    parseArgs({ options: { email: { type: 'string' }, label: { type: 'string' } }, strict: true }).values,
  );
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(`${parsed.error.issues.map((i) => i.message).join('\n')}\n${USAGE}`);
  return parsed.data;
}

// An unknown email ends in runCli's error path: its message names user:create, and the exit code is 1.
void runCli(parse, async (client, args) => {
  const { user, token } = await issueToken(client, args.email, args.label);
  return { id: user.userId, email: user.email, role: user.role, label: args.label, token };
});
