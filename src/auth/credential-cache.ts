import type { Principal } from '../domain/principal';

interface CachedCredential {
  principal: Principal;
  expiresAt: number;
}

export interface CacheSetOptions {
  /** The entry never outlives this many ms from now (a session's remaining lifetime), even if the TTL is longer. */
  maxAgeMs?: number;
  /** `generation` when the lookup that produced `principal` started: if anything was invalidated since, it is not cached. */
  generation?: number;
}

/**
 * Verified credentials, keyed by kind and SHA-256 (hex), kept for at most `ttlMs` so that a request
 * authenticates without a database round trip once its token or session has been seen. The credential feed
 * keeps it true: a change to a user, token or session drops that user's entries (`dropUser`), and while the
 * feed is down nothing is cached at all (`suspend` / `resume`), so a change can never be missed silently.
 * Bounded: the oldest entry goes first when `maxEntries` is reached.
 *
 * A lookup that was running while something was invalidated may have read the old row; `generation` lets its
 * caller skip caching such a result (the next request asks the database again).
 */
export class CredentialCache {
  private readonly entries = new Map<string, CachedCredential>();
  private readonly byUser = new Map<number, Set<string>>();
  private suspended = false;
  private gen = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Bumped by every invalidation; pass the value read before a lookup to `set`. */
  get generation(): number {
    return this.gen;
  }

  /** Whether entries are kept: a positive TTL, and not suspended. */
  get active(): boolean {
    return this.ttlMs > 0 && !this.suspended;
  }

  get(key: string): Principal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  set(key: string, principal: Principal, options: CacheSetOptions = {}): void {
    if (!this.active) return;
    if (options.generation !== undefined && options.generation !== this.gen) return;
    const ttl = Math.min(this.ttlMs, options.maxAgeMs ?? Infinity);
    if (!(ttl > 0)) return;
    this.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    this.entries.set(key, { principal, expiresAt: this.now() + ttl });
    let keys = this.byUser.get(principal.userId);
    if (!keys) this.byUser.set(principal.userId, (keys = new Set()));
    keys.add(key);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const keys = this.byUser.get(entry.principal.userId);
    keys?.delete(key);
    if (keys?.size === 0) this.byUser.delete(entry.principal.userId);
  }

  /** Forgets every credential of the user: its role, tokens or sessions changed somewhere. */
  dropUser(userId: number): void {
    this.gen++;
    const keys = this.byUser.get(userId);
    if (!keys) return;
    for (const key of keys) this.entries.delete(key);
    this.byUser.delete(userId);
  }

  clear(): void {
    this.gen++;
    this.entries.clear();
    this.byUser.clear();
  }

  /** Empties the cache and keeps nothing until `resume`: changes may be missed meanwhile. */
  suspend(): void {
    this.suspended = true;
    this.clear();
  }

  /**
   * Caches again. Lookups that started before this point may have read rows whose change notification was
   * missed, so the generation moves on and their results are not kept.
   */
  resume(): void {
    this.gen++;
    this.suspended = false;
  }

  get size(): number {
    return this.entries.size;
  }
}
