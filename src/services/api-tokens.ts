import type { Principal } from '../domain/principal';
import { hashSecret, newSecret } from '../auth/secrets';
import type { Queryable } from '../db/pool';
import { usersRepository } from '../db/repositories/users';

/** Thrown when a token is asked for an email that has no user. */
export class UnknownUserError extends Error {
  constructor(readonly email: string) {
    super(`No user has the email ${email}. Create one with: npm run user:create -- --email ${email} --role admin|technician`);
    this.name = 'UnknownUserError';
  }
}

/**
 * A new API token for an existing user, leaving the user (role, password) and its other tokens as they are.
 * The token is returned once and stored only as its SHA-256 digest.
 */
export async function issueToken(db: Queryable, email: string, label: string): Promise<{ user: Principal; token: string }> {
  const found = await usersRepository.findForLogin(db, email);
  if (!found) throw new UnknownUserError(email);
  const user: Principal = { userId: found.userId, email: found.email, role: found.role };
  const token = newSecret('awc_tok');
  await usersRepository.insertToken(db, user.userId, hashSecret(token), label);
  return { user, token };
}
