import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { createApp } from './app';
import type { Config } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { resolveDatabase, type ResolvedDatabase } from './db/resolve-database';
import { parseByteSize } from './http/middleware/json-body';
import type { Logger } from './logger';
import { AssetService } from './services/asset-service';
import { AuthService } from './services/auth-service';

export interface RunningService {
  /** Base URL the HTTP server listens on, e.g. http://127.0.0.1:3000. */
  url: string;
  database: ResolvedDatabase;
  pool: pg.Pool;
  /** Ordered shutdown: stop accepting, drain in-flight requests, close pools, stop an embedded database. */
  stop(): Promise<void>;
}

/** Starts every part of the service in dependency order; main.ts and the integration tests both use it. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const database = await resolveDatabase(config, logger);
  const pool = createPool(
    {
      connectionString: database.url,
      max: config.PG_POOL_MAX,
      statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.PG_CONNECT_TIMEOUT_MS,
      applicationName: 'asset-widget-cache',
    },
    logger.child({ component: 'db' }),
  );
  let shuttingDown = false;
  try {
    const client = await pool.connect();
    try {
      await migrate(client, logger.child({ component: 'migrate' }));
    } finally {
      client.release();
    }
    const auth = new AuthService({ pool, cacheTtlSeconds: config.AUTH_CACHE_TTL, sessionTtlHours: config.SESSION_TTL_HOURS });
    const assets = new AssetService({ pool });
    const app = createApp({
      logger,
      auth,
      assets,
      bodyLimit: parseByteSize(config.BODY_LIMIT),
      sessionTtlHours: config.SESSION_TTL_HOURS,
      secureCookies: config.COOKIE_SECURE,
      readiness: {
        notReadyReason: async () => {
          if (shuttingDown) return 'shutting down';
          return pool
            .query('SELECT 1')
            .then(() => null)
            .catch(() => 'database unreachable');
        },
      },
    });
    const server = http.createServer(app.callback());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    logger.info({ event: 'http.listen', url }, 'listening');

    const stop = async () => {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
      await pool.end();
      await database.stop();
    };
    return { url, database, pool, stop };
  } catch (err) {
    await pool.end().catch(() => undefined);
    await database.stop().catch(() => undefined);
    throw err;
  }
}
