import type { Config } from '../config';
import type { Logger } from '../logger';
import { startEmbeddedPostgres } from './embedded';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  /** Stops the embedded server; a no-op for a server named by DATABASE_URL. */
  stop(): Promise<void>;
}

/** NODE_ENV values under which the embedded PostgreSQL (a developer's quick start) is refused. */
const SERVER_ENVIRONMENTS: ReadonlySet<Config['NODE_ENV']> = new Set(['staging', 'production']);

/** Thrown when the configuration asks for the embedded database where it must not run. */
export class EmbeddedRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedRefusedError';
  }
}

/**
 * Why the embedded database may not start under this configuration (one line), or undefined when it may or
 * is not wanted. The embedded server, its demo users and its admin token are for a developer's machine; on a
 * server, a forgotten DATABASE_URL must stop the start, not quietly boot a second, empty database.
 */
export function embeddedRefusal(config: Pick<Config, 'DATABASE_URL' | 'NODE_ENV'>): string | undefined {
  if (config.DATABASE_URL || !SERVER_ENVIRONMENTS.has(config.NODE_ENV)) return undefined;
  return (
    `NODE_ENV=${config.NODE_ENV} needs DATABASE_URL: set it (in the environment or .env) to your PostgreSQL server; ` +
    'the embedded database is only for development and test.'
  );
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under DATA_DIR, started on EMBEDDED_PG_PORT. */
export async function resolveDatabase(config: Config, logger: Logger): Promise<ResolvedDatabase> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: false, stop: async () => undefined };
  const refusal = embeddedRefusal(config);
  if (refusal) throw new EmbeddedRefusedError(refusal);
  const server = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT, logger });
  return { url: server.url, embedded: true, stop: server.stop };
}
