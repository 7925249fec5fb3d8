import type pg from 'pg';
import { CredentialCache } from '../auth/credential-cache';
import type { Principal, Role } from '../auth/principal';
import { hashPassword, hashSecret, newSecret, verifyPassword } from '../auth/secrets';
import { usersRepository } from '../db/repositories/users';
import { AppError } from '../errors';

export interface AuthServiceOptions {
  pool: pg.Pool;
  cacheTtlSeconds: number;
  sessionTtlHours: number;
}

/** Issues and checks credentials: API tokens for programs, session ids for browsers. */
export class AuthService {
  private readonly cache: CredentialCache;
  private readonly inFlight = new Map<string, Promise<Principal | undefined>>();

  constructor(private readonly options: AuthServiceOptions) {
    this.cache = new CredentialCache(options.cacheTtlSeconds * 1000);
  }

  /** The principal behind a bearer token or session id; the database is asked only on a cache miss. */
  async authenticate(kind: 'token' | 'session', secret: string): Promise<Principal | undefined> {
    const hash = hashSecret(secret);
    const key = `${kind}:${hash.toString('hex')}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    // Single flight: when a busy credential's cache entry expires, the requests that arrive before the
    // re-check returns share it instead of each opening a database round trip at once.
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = (
        kind === 'token'
          ? usersRepository.findByToken(this.options.pool, hash)
          : usersRepository.findBySession(this.options.pool, hash)
      )
        .then((principal) => {
          if (principal) this.cache.set(key, principal);
          return principal;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  async login(email: string, password: string): Promise<{ principal: Principal; sessionId: string }> {
    const user = await usersRepository.findForLogin(this.options.pool, email);
    if (!(await verifyPassword(user?.passwordHash ?? null, password)) || !user) {
      throw new AppError('INVALID_CREDENTIALS');
    }
    const sessionId = newSecret('awc_ses');
    await usersRepository.insertSession(this.options.pool, user.userId, hashSecret(sessionId), this.options.sessionTtlHours);
    const principal: Principal = { userId: user.userId, email: user.email, role: user.role };
    return { principal, sessionId };
  }

  async logout(sessionId: string): Promise<void> {
    const hash = hashSecret(sessionId);
    this.cache.delete(`session:${hash.toString('hex')}`);
    await usersRepository.deleteSession(this.options.pool, hash);
  }
}

/**
 * Creates the user (or updates its role and password if the email exists) and a fresh API token for it.
 * The token is returned once and stored only as a hash.
 */
export async function createUserWithToken(
  db: pg.ClientBase | pg.Pool,
  input: { email: string; role: Role; password?: string | undefined; label?: string },
): Promise<{ user: Principal; token: string }> {
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const user = await usersRepository.upsertUser(db, input.email, input.role, passwordHash);
  const token = newSecret('awc_tok');
  await usersRepository.insertToken(db, user.userId, hashSecret(token), input.label ?? 'cli');
  return { user, token };
}
