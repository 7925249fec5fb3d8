import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ROLES, type Role } from '../domain/principal';
import { createUserWithToken } from '../services/auth-service';
import { runCli, usage, UsageError } from './run-cli';

const USAGE = 'usage: npm run user:create -- --email E --role admin|technician [--password P]';

const argsSchema = z.object({
  email: z.email('--email must be an email address'),
  role: z.enum(ROLES as [Role, ...Role[]], '--role must be admin or technician'),
  password: z.string().min(8, '--password must have at least 8 characters').max(1024).optional(),
});

function parse() {
  const values = usage(USAGE, () =>
    parseArgs({
      options: { email: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' } },
      strict: true,
    }).values,
  );
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(`${parsed.error.issues.map((i) => i.message).join('\n')}\n${USAGE}`);
  return parsed.data;
}

/** Creates (or updates) a user and prints one JSON line with a fresh API token: the only time it is shown. */
void runCli(parse, async (client, args) => {
  const { user, token } = await createUserWithToken(client, args);
  return { id: user.userId, email: user.email, role: user.role, token };
});
