import type { Principal } from './principal';

interface Entry {
  principal: Principal;
  verifiedAt: number;
  /** A session's own end; Infinity for a token. */
  validUntil: number;
}

/**
 * What each credential last verified as, to answer while the database cannot be asked (an outage): the
 * widget keeps serving its snapshot then (CACHE_GRACE_SECONDS), and its users must still get through.
 * Nobody can revoke during an outage (revocation is a database write), and every change the credential feed
 * reports still forgets its user here, so this never brings back what was revoked while the feed listened.
 * Used only when a lookup fails for unavailability, never to skip one. Bounded: oldest entry goes first.
 */
export class OutageCredentials {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly graceMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  remember(key: string, principal: Principal, validForMs = Infinity): void {
    if (this.graceMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const now = this.now();
    this.entries.set(key, { principal, verifiedAt: now, validUntil: now + validForMs });
  }

  /** The principal verified within the grace period and still valid, or undefined. */
  recall(key: string): Principal | undefined {
    const entry = this.entries.get(key);
    const now = this.now();
    if (!entry || now - entry.verifiedAt > this.graceMs || now >= entry.validUntil) return undefined;
    return entry.principal;
  }

  forgetUser(userId: number): void {
    for (const [key, entry] of this.entries) if (entry.principal.userId === userId) this.entries.delete(key);
  }

  forgetAll(): void {
    this.entries.clear();
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
