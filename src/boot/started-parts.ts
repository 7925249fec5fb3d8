import type pg from 'pg';
import type { CredentialFeed } from '../auth/credential-feed';
import type { LoginLimiter } from '../auth/login-limiter';
import type { CacheClient } from '../cache/cache-client';
import type { ResolvedDatabase } from '../db/resolve-database';

/** What the boot sequence has started so far: each part is set as soon as it exists, so a failed start stops it. */
export interface StartedParts {
  database: ResolvedDatabase;
  pool: pg.Pool;
  cache?: CacheClient;
  loginLimiter?: LoginLimiter;
  credentialFeed?: CredentialFeed;
}

/**
 * Stops the started parts, the cache first and the database last. A shutdown stops at the first failure;
 * after a failed start (`ignoreErrors`) every part is still stopped, whatever the others do.
 */
export async function stopParts(parts: StartedParts, ignoreErrors = false): Promise<void> {
  const settle = (stopping: Promise<void> | undefined) => (ignoreErrors ? stopping?.catch(() => undefined) : stopping);
  await settle(parts.cache?.stop());
  parts.loginLimiter?.stopCleanup();
  await settle(parts.credentialFeed?.stop());
  await settle(parts.pool.end());
  await settle(parts.database.stop());
}
