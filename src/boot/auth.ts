import type pg from 'pg';
import { CredentialFeed } from '../auth/credential-feed';
import { LoginLimiter } from '../auth/login-limiter';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { AuthService } from '../services/auth-service';

export function createAuth(config: Config, pool: pg.Pool): AuthService {
  return new AuthService({
    pool,
    cacheTtlSeconds: config.AUTH_CACHE_TTL,
    sessionTtlHours: config.SESSION_TTL_HOURS,
    outageGraceSeconds: config.AUTH_OUTAGE_GRACE_SECONDS ?? config.CACHE_GRACE_SECONDS,
  });
}

/** Credentials are cached only while this feed listens, so there is none (and nothing cached) with AUTH_CACHE_TTL=0. */
export function credentialFeedFor(config: Config, databaseUrl: string, auth: AuthService, logger: Logger): CredentialFeed | undefined {
  if (config.AUTH_CACHE_TTL <= 0) return undefined;
  return new CredentialFeed(
    {
      databaseUrl,
      heartbeatMs: config.CACHE_FEED_HEARTBEAT_MS,
      heartbeatTimeoutMs: config.CACHE_FEED_HEARTBEAT_TIMEOUT_MS,
      logger: logger.child({ component: 'auth-feed' }),
    },
    auth,
  );
}

/** The login limiter, with its periodic cleanup of expired attempts running. */
export function startLoginLimiter(config: Config, pool: pg.Pool, logger: Logger): LoginLimiter {
  const limiter = new LoginLimiter(
    pool,
    {
      perAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      perAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowMs: config.LOGIN_WINDOW_SECONDS * 1000,
    },
    logger.child({ component: 'login-limiter' }),
  );
  limiter.startCleanup();
  return limiter;
}
