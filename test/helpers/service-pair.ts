import os from 'node:os';
import path from 'node:path';
import { startServiceProcess, type ServiceProcess } from '../../load-tests/lib/service-process';
import { createUserWithToken } from '../../src/services/auth-service';
import { createTestDatabase, type TestDatabase, type TestServer } from './test-database';
import { caller, type TestService } from './test-service';
import type { WidgetAsset } from '../../src/cache/protocol';

/** One compiled service process of a pair; `log` is where its output went, for a failing test to point at. */
export interface PairInstance {
  url: string;
  log: string;
  call: TestService['call'];
  /** The process, for a test that kills it. */
  service: ServiceProcess;
}

/** Two instances on one database, with tokens valid on both (they share the users table). */
export interface ServicePair {
  a: PairInstance;
  b: PairInstance;
  db: TestDatabase;
  adminToken: string;
  techToken: string;
  /** Stops both processes, then drops the database. */
  stop(): Promise<void>;
}

/** The widget body the contract promises. */
export interface WidgetBody {
  assets: WidgetAsset[];
  contact_name: string | null;
  total_assets: number;
}

/**
 * Two instances of the compiled service (`dist/src/main.js`, so `npm run build` must have run) as separate
 * processes sharing one fresh database: the only way to see whether a write on one instance, or in plain
 * SQL, reaches another instance's cache. `prepare` runs before either starts, so both warm with its rows.
 */
export async function startServicePair(
  prepare?: (db: TestDatabase) => Promise<void>,
  server?: TestServer,
  env: Record<string, string> = {},
): Promise<ServicePair> {
  const db = await createTestDatabase(server);
  const started: ServiceProcess[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((svc) => svc.stop()));
    await db.drop();
  };
  try {
    await prepare?.(db);
    const logs = ['a', 'b'].map((name) => path.join(os.tmpdir(), `awc-pair-${db.name}-${name}.log`));
    const starts = await Promise.allSettled(
      logs.map((logFile) =>
        startServiceProcess({ databaseUrl: db.url, logFile, env: { LOG_LEVEL: 'warn', ...env }, readyTimeoutMs: 45_000 }),
      ),
    );
    for (const start of starts) if (start.status === 'fulfilled') started.push(start.value);
    const failed = starts.find((start): start is PromiseRejectedResult => start.status === 'rejected');
    if (failed) throw failed.reason;
    const admin = await createUserWithToken(db.pool, { email: 'admin@test.local', role: 'admin' });
    const tech = await createUserWithToken(db.pool, { email: 'tech@test.local', role: 'technician' });
    const [a, b] = started.map((svc, i) => ({ url: svc.url, log: logs[i]!, call: caller(svc.url), service: svc }));
    return { a: a!, b: b!, db, adminToken: admin.token, techToken: tech.token, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Runs `check` every 10 ms until it stops throwing, and returns what it returned. On timeout it throws the
 * last failure (an `expect` error carries the value last observed), so a test states what it waits for with
 * ordinary assertions.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 1_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) {
        if (err instanceof Error) err.message = `not true within ${timeoutMs} ms: ${err.message}`;
        throw err;
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The widget answer for `ticketId` as the contract defines it, straight from SQL and independent of the
 * service's own queries. Dates are cast to text here because this process never loads the service's pg
 * type parsers. Throws for an unknown ticket.
 */
export async function sqlWidget(db: TestDatabase, ticketId: number): Promise<WidgetBody> {
  const { rows } = await db.pool.query<{ contact_id: number | null; name: string | null }>(
    'SELECT t.contact_id, c.name FROM tickets t LEFT JOIN contacts c ON c.id = t.contact_id WHERE t.id = $1',
    [ticketId],
  );
  const ticket = rows[0];
  if (!ticket) throw new Error(`ticket ${ticketId} does not exist`);
  if (ticket.contact_id === null) return { assets: [], contact_name: null, total_assets: 0 };
  const assets = await db.pool.query<WidgetBody['assets'][number]>(
    `SELECT id, hostname, warranty_expiration_date::text AS warranty_expiration_date, status, screenconnect_session_id, pdq_device_id
     FROM assets WHERE contact_id = $1 AND status = 'active' ORDER BY created_at DESC, id DESC`,
    [ticket.contact_id],
  );
  return { assets: assets.rows.slice(0, 2), contact_name: ticket.name, total_assets: assets.rowCount ?? 0 };
}
