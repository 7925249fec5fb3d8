import type { CacheState } from '../src/cache/protocol';

/**
 * The bound on answering from a snapshot that is no longer known to be fresh (CACHE_GRACE_SECONDS). The cache
 * is known fresh while it is `ready`: warm, listening, resynced. When it leaves `ready` (feed lost, database
 * down), its snapshot was true up to that moment and ages from then on; for `graceMs` after it, the front may
 * still be answered from it once SQL has failed. A cache that was never `ready` (first warm-up, a restarted
 * worker) has no such moment and gets no grace.
 */
export class FreshnessGrace {
  private ready = false;
  private lastFreshAt: number | null = null;

  constructor(
    private readonly graceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Follows the cache's state changes. */
  note(state: CacheState): void {
    if (state === 'ready') {
      this.ready = true;
      this.lastFreshAt = null;
      return;
    }
    if (this.ready) {
      this.ready = false;
      this.lastFreshAt = this.now();
    }
  }

  /**
   * Whole seconds since the cache was last known fresh, rounded up and at least 1 (an upper bound on how old
   * an answer can be); null while it is `ready` or if it never was.
   */
  staleSeconds(): number | null {
    if (this.lastFreshAt === null) return null;
    return Math.max(1, Math.ceil((this.now() - this.lastFreshAt) / 1000));
  }

  /** Whether a stale-allowed lookup may be answered from the snapshot now: not ready, but ready within the bound. */
  allows(): boolean {
    return this.lastFreshAt !== null && this.graceMs > 0 && this.now() - this.lastFreshAt <= this.graceMs;
  }
}
