import pg from 'pg';
import pino from 'pino';
import { migrate } from '../../src/db/migrate';
import { seedDatabase } from '../../src/db/seed';
import { createUserWithToken } from '../../src/services/auth-service';

export interface BenchDataset {
  contacts: number;
  tickets: number;
  assets: number;
}

/** Proportions of the benchmark data: ~5 assets per contact, 1.5 tickets per contact. */
export function datasetFor(assets: number): BenchDataset {
  return { assets, contacts: Math.max(1, Math.round(assets / 5)), tickets: Math.max(1, Math.round((assets / 5) * 1.5)) };
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A database holding exactly `dataset`, reused across runs when it already does (seeding 1M assets takes
 * a while), plus a fresh admin token for the run.
 */
export async function ensureBenchDatabase(
  serverUrl: string,
  dataset: BenchDataset,
  fresh = false,
): Promise<{ url: string; token: string; seededMs: number | null }> {
  const name = `awc_bench_${dataset.assets}_${dataset.contacts}_${dataset.tickets}`;
  const admin = new pg.Client(serverUrl);
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  if (exists && fresh) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  if (!exists || fresh) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  const url = withDatabase(serverUrl, name);
  const client = new pg.Client(url);
  await client.connect();
  try {
    await migrate(client, pino({ level: 'warn' }));
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM assets');
    let seededMs: number | null = null;
    if (rows[0]!.n !== dataset.assets) {
      await client.query('TRUNCATE assets, tickets, contacts, clients RESTART IDENTITY CASCADE');
      seededMs = (await seedDatabase(client, dataset)).duration_ms;
    }
    const { token } = await createUserWithToken(client, { email: 'bench@example.com', role: 'admin', label: 'bench' });
    return { url, token, seededMs };
  } finally {
    await client.end();
  }
}

/** Ticket ids of the dataset, for requests spread over every kind of ticket. */
export async function ticketIds(url: string): Promise<number[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query<{ id: number }>('SELECT id FROM tickets ORDER BY id');
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}
