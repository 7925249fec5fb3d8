import type { Principal } from '../domain/principal';

interface OutageEntry {
  principal: Principal;
  /** A session's own end; Infinity for a token. */
  validUntil: number;
}

/**
 * What each credential last verified as, to answer while the database cannot be asked: the widget keeps
 * serving its snapshot for CACHE_GRACE_SECONDS of an outage, and its users must still get through for as
 * long. So a credential verified before the outage passes while the database has been out of reach for at
 * most that long (counted from the last time it answered), never past a session's end.
 *
 * Nothing is trusted that the credential feed could have told us otherwise: every change it reports forgets
 * its user, and when it comes back after a loss (changes may have been missed) everything is forgotten.
 * Nobody can revoke during an outage anyway: revocation is a database write. Used only when a lookup fails
 * for unavailability, never to skip one. Bounded: the oldest entry goes first.
 */
export class OutageCredentials {
  private readonly entries = new Map<string, OutageEntry>();
  private reachedAt: number;

  constructor(
    private readonly graceMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.reachedAt = now();
  }

  /** A lookup succeeded: remember its answer; the database answered just now. */
  remember(key: string, principal: Principal, validForMs = Infinity): void {
    this.reachable();
    if (this.graceMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { principal, validUntil: this.now() + validForMs });
  }

  /** The database was reachable just now (e.g. the feed's connection was alive until this moment). */
  reachable(): void {
    this.reachedAt = this.now();
  }

  /** The principal a credential last verified as, while the outage is within the grace period. */
  recall(key: string): Principal | undefined {
    const entry = this.entries.get(key);
    const now = this.now();
    if (!entry || now - this.reachedAt > this.graceMs || now >= entry.validUntil) return undefined;
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
