import { ConfigError, loadConfig, type Config } from './config';
import { DEMO_ADMIN } from './db/demo-data';
import { createLogger, type Logger } from './logger';
import { startService, type RunningService } from './service';

function printQuickStart(service: RunningService, { adminToken, seeded }: { adminToken: string; seeded: boolean }): void {
  const lines = [
    '',
    `  Asset widget service is up at ${service.url}`,
    `  Embedded PostgreSQL: ${service.database.url.replace(/:[^:@/]+@/, ':***@')} (data in .data/)${seeded ? ', demo data loaded' : ''}`,
    `  Admin API token (new on every start): ${adminToken}`,
    `  Try: curl -H "Authorization: Bearer ${adminToken}" ${service.url}/api/assets?limit=2`,
    `  Browser sign-in: ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}`,
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Signals start one ordered shutdown; a second signal, or a shutdown that overruns, exits at once. */
function handleSignals(service: RunningService, logger: Logger, config: Config): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ event: 'shutdown.forced', signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ event: 'shutdown.start', signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ event: 'shutdown.timeout' }, 'shutdown overran its deadline');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + config.SHUTDOWN_TIMEOUT_MS + 5_000);
    deadline.unref();
    service.stop().then(
      () => {
        logger.info({ event: 'shutdown.done' }, 'stopped');
        logger.flush(() => process.exit(0));
      },
      (err: unknown) => {
        logger.error({ err, event: 'shutdown.failed' }, 'shutdown failed');
        logger.flush(() => process.exit(1));
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nSee .env.example for every variable and its format.\n`);
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL);
  let service: RunningService;
  try {
    service = await startService(config, logger);
  } catch (err) {
    logger.fatal({ err, event: 'startup.failed' }, (err as Error).message);
    logger.flush(() => process.exit(1));
    return;
  }
  handleSignals(service, logger, config);
  if (service.demo) printQuickStart(service, service.demo);
  process.send?.('ready');
}

void main();
