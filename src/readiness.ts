import type { CacheState } from './cache/protocol';

export interface ReadinessReport {
  ready: boolean;
  /** Why not, when not ready: short, for an operator. */
  reason?: string;
  cache: CacheState;
  database: 'reachable' | 'unreachable';
}

export interface ReadinessSources {
  cacheState: () => CacheState;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  pingDatabase: () => Promise<unknown>;
  shuttingDown: () => boolean;
  /** How long the ping may take before the database counts as unreachable for this probe. */
  pingTimeoutMs?: number;
}

const PING_TIMEOUT_MS = 1_000;

/**
 * Ready means "can answer the widget correctly now": the cache is `ready`, or the database answers (the widget
 * then comes from SQL). A cache that is cold, warming or degraded does not take the instance out of a load
 * balancer by itself, since a feed blip degrades every instance at once; the body says what state it is in.
 * Not ready: shutting down, or the cache not ready and the database unreachable (the widget then answers from
 * a stale snapshot at best, within CACHE_GRACE_SECONDS, and writes fail).
 */
export function createReadiness(sources: ReadinessSources): { check(): Promise<ReadinessReport> } {
  const timeoutMs = sources.pingTimeoutMs ?? PING_TIMEOUT_MS;
  const ping = async (): Promise<ReadinessReport['database']> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs);
    });
    try {
      await Promise.race([sources.pingDatabase(), timedOut]);
      return 'reachable';
    } catch {
      return 'unreachable';
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async check() {
      const database = await ping();
      const cache = sources.cacheState();
      if (sources.shuttingDown()) return { ready: false, reason: 'shutting down', cache, database };
      if (cache === 'ready' || database === 'reachable') return { ready: true, cache, database };
      return { ready: false, reason: `database unreachable and asset cache ${cache}`, cache, database };
    },
  };
}
