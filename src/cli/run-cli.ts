import pg from 'pg';
import { ConfigError, loadConfig } from '../config';
import { migrate } from '../db/migrate';
import '../db/pool';
import { EmbeddedRefusedError, resolveDatabase } from '../db/resolve-database';
import { loadEnvFile } from '../env-file';
import pino from 'pino';
import { createLogger, type Logger } from '../logger';

/** A command-line misuse: printed without a stack, exit code 2. */
export class UsageError extends Error {}

/**
 * Shared life cycle of the npm-script CLIs: parse arguments (before anything starts), load .env (the environment
 * wins) and config, reach the database (embedded when DATABASE_URL is unset, refused under NODE_ENV=production
 * or staging), migrate (unless the command is the migration itself), run the command with one client, and
 * always release what was started. Logs go to stderr
 * so stdout carries only the command's JSON result.
 */
export async function runCli<A>(
  parseArgs: () => A,
  command: (client: pg.Client, args: A, logger: Logger) => Promise<unknown>,
  options: { migrateFirst: boolean } = { migrateFirst: true },
): Promise<void> {
  // Dying of a signal would skip the 'exit' hook that stops an embedded server; exiting runs it, and the
  // server rolls back the open transaction when the connection drops, so nothing is half-written.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  let exitCode = 0;
  try {
    const args = parseArgs();
    loadEnvFile();
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, pino.destination({ dest: 2, sync: true }));
    const database = await resolveDatabase(config, logger);
    const client = new pg.Client({ connectionString: database.url });
    try {
      await client.connect();
      if (options.migrateFirst) await migrate(client, logger);
      const result = await command(client, args, logger);
      if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await client.end().catch(() => undefined);
      await database.stop();
    }
  } catch (err) {
    exitCode = err instanceof UsageError || err instanceof ConfigError || err instanceof EmbeddedRefusedError ? 2 : 1;
    process.stderr.write(`${(err as Error).message}\n`);
  }
  process.exitCode = exitCode;
}

/** Wraps node:util parseArgs errors as usage errors carrying the command's usage line. */
export function usage(text: string, fn: () => Record<string, unknown>): Record<string, unknown> {
  try {
    return fn();
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${text}`);
  }
}
