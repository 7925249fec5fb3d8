import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config';
import { DEMO_ADMIN_EMAIL, mintDemoAdminToken, type DemoStart } from './boot/demo-data';
import { embeddedRefusal } from './db/resolve-database';
import { loadEnvFile } from './env-file';
import { createLogger, type Logger } from './logger';
import { startService, type RunningService } from './service';
import { UnknownUserError } from './services/api-tokens';

const USAGE = 'usage: npm start [-- --print-token]   (or: node dist/src/main.js [--print-token])';

/** The one flag: `--print-token` mints and prints a new admin API token at an embedded quick start. */
function parseFlags(argv: string[]): { printToken: boolean } {
  const { values } = parseArgs({ args: argv, options: { 'print-token': { type: 'boolean' } }, strict: true });
  return { printToken: values['print-token'] === true };
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/**
 * The embedded quick start's banner on stderr. Passwords and the admin token appear only on the start that
 * created them (or with --print-token for a token): they are stored as hashes and cannot be shown again.
 */
function printQuickStart(service: RunningService, config: Config, demo: DemoStart, adminToken: string | undefined, note?: string): void {
  const lines = [
    '',
    `  Asset widget service is up at ${service.url}` +
      (isLoopback(config.HOST) ? ' (this machine only; set HOST to listen elsewhere)' : ` (listening on ${config.HOST})`),
    `  Embedded PostgreSQL: ${service.database.url.replace(/:[^:@/]+@/, ':***@')} (data in ${config.DATA_DIR}/)` +
      (demo.seeded ? ', demo data loaded now' : ''),
  ];
  if (demo.users.length > 0) {
    lines.push('  Demo users, created now. Their passwords are shown this once (only hashes are stored):');
    const width = Math.max(...demo.users.map((u) => u.email.length));
    for (const user of demo.users) lines.push(`    ${user.email.padEnd(width)}  ${user.password}   (${user.role})`);
  } else {
    lines.push(
      '  Sign in with the demo passwords printed at the first start; to set a new one:',
      '    npm run user:create -- --email admin@example.com --role admin --password NEW_PASSWORD',
    );
  }
  if (adminToken) {
    lines.push(
      `  Admin API token (new, shown once): ${adminToken}`,
      `  Try: curl -H "Authorization: Bearer ${adminToken}" ${service.url}/api/assets?limit=2`,
    );
  } else {
    lines.push('  A new admin API token: npm start -- --print-token   (or npm run token:create -- --email E)');
  }
  for (const email of demo.publishedPasswordUsers) {
    lines.push(
      `  WARNING: ${email} still has the password earlier versions published. Set a new one:`,
      `    npm run user:create -- --email ${email} --role ${email === DEMO_ADMIN_EMAIL ? 'admin' : 'technician'} --password NEW_PASSWORD`,
    );
  }
  if (note) lines.push(`  ${note}`);
  lines.push('');
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
  let flags: { printToken: boolean };
  let config: Config;
  let envFile: ReturnType<typeof loadEnvFile>;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  try {
    // .env at the project root fills in what the environment does not set; the environment wins.
    envFile = loadEnvFile();
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      process.stderr.write(`Could not read .env: ${(err as Error).message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${err.message}\nSee .env.example for every variable and its format.\n`);
    process.exit(2);
  }
  // Checked before anything starts or logs, so a server missing DATABASE_URL says so in one line.
  const refusal = embeddedRefusal(config);
  if (refusal) {
    process.stderr.write(`${refusal}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL);
  if (envFile.file) {
    logger.info(
      { event: 'config.env_file', file: envFile.file, applied: envFile.applied, kept_from_environment: envFile.overridden },
      'read .env (variables already in the environment win)',
    );
  }
  let service: RunningService;
  try {
    service = await startService(config, logger);
  } catch (err) {
    logger.fatal({ err, event: 'startup.failed' }, (err as Error).message);
    logger.flush(() => process.exit(1));
    return;
  }
  handleSignals(service, logger, config);
  if (service.demo) {
    let adminToken = service.demo.adminToken;
    let note: string | undefined;
    if (flags.printToken && adminToken === undefined) {
      try {
        adminToken = await mintDemoAdminToken(service.pool);
      } catch (err) {
        note = `--print-token: ${(err as Error).message}`;
        if (!(err instanceof UnknownUserError)) logger.error({ err, event: 'print_token.failed' }, 'could not mint a token');
      }
    }
    printQuickStart(service, config, service.demo, adminToken, note);
  } else if (flags.printToken) {
    logger.warn(
      { event: 'print_token.ignored' },
      '--print-token only applies to the embedded quick start; with DATABASE_URL use: npm run token:create -- --email E',
    );
  }
  process.send?.('ready');
}

void main();
