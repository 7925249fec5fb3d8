import type { Principal } from './principal';

interface Entry {
  principal: Principal;
  expiresAt: number;
}

/**
 * Verified credentials, keyed by their SHA-256 (hex), kept for `ttlMs` so that a request authenticates
 * without a database round trip once its token or session has been seen. That TTL is also the bound on
 * how long a revoked token can still be used on an instance that had seen it. Bounded: the oldest entry
 * goes first when `maxEntries` is reached.
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Principal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  set(key: string, principal: Principal): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { principal, expiresAt: this.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
