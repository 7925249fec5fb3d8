import type pg from 'pg';
import { CredentialCache } from '../auth/credential-cache';
import { OutageCredentials } from '../auth/outage-credentials';
import type { CredentialFeedEvents } from '../auth/credential-feed';
import type { Principal, Role } from '../domain/principal';
import { hashPassword, hashSecret, newSecret, verifyPassword } from '../auth/secrets';
import { usersRepository } from '../db/repositories/users';
import { isDatabaseUnavailable } from '../db/unavailable';
import { AppError } from '../errors';

export interface AuthServiceOptions {
  pool: pg.Pool;
  cacheTtlSeconds: number;
  sessionTtlHours: number;
  /** While the database is unreachable, a credential verified within this many seconds still passes. */
  outageGraceSeconds: number;
}

/**
 * Issues and checks credentials: API tokens for programs, session ids for browsers. Verified credentials are
 * cached (AUTH_CACHE_TTL) only while the credential feed is listening, which it reports through the
 * `CredentialFeedEvents` this class implements; until the first `listening()` nothing is cached.
 */
export class AuthService implements CredentialFeedEvents {
  private readonly cache: CredentialCache;
  private readonly outage: OutageCredentials;
  private readonly inFlight = new Map<string, Promise<Principal | undefined>>();

  constructor(private readonly options: AuthServiceOptions) {
    this.cache = new CredentialCache(options.cacheTtlSeconds * 1000);
    this.outage = new OutageCredentials(options.outageGraceSeconds * 1000);
    this.cache.suspend();
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
      const generation = this.cache.generation;
      pending = (
        kind === 'token'
          ? usersRepository.findByToken(this.options.pool, hash).then((principal) => {
              if (principal) this.verified(key, principal, generation);
              return principal;
            })
          : usersRepository.findBySession(this.options.pool, hash).then((found) => {
              // Never past the session's own end, counted by the database's clock.
              if (found) this.verified(key, found.principal, generation, found.remainingMs);
              return found?.principal;
            })
      )
        .catch((err: unknown) => {
          const known = isDatabaseUnavailable(err) ? this.outage.recall(key) : undefined;
          if (!known) throw err;
          return known;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private verified(key: string, principal: Principal, generation: number, validForMs?: number): void {
    this.cache.set(key, principal, { generation, ...(validForMs === undefined ? {} : { maxAgeMs: validForMs }) });
    this.outage.remember(key, principal, validForMs);
  }

  userChanged(userId: number): void {
    this.cache.dropUser(userId);
    this.outage.forgetUser(userId);
  }

  allChanged(): void {
    this.cache.clear();
    this.outage.forgetAll();
  }

  listening(): void {
    this.cache.resume();
    // Changes made while nobody listened were missed: what was remembered for outages may be out of date.
    this.outage.forgetAll();
  }

  lost(): void {
    this.cache.suspend();
    this.outage.reachable();
  }

  /** Cached credentials right now (for tests and diagnostics). */
  get cachedCredentials(): number {
    return this.cache.size;
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
    this.outage.forget(`session:${hash.toString('hex')}`);
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
