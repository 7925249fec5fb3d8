import type pg from 'pg';
import { createUserWithToken } from '../services/auth-service';
import { seedDatabase } from './seed';

export const DEMO_ADMIN = { email: 'admin@example.com', password: 'admin-demo' } as const;
export const DEMO_TECHNICIAN = { email: 'tech@example.com', password: 'tech-demo' } as const;
const DEMO_SIZE = { contacts: 50, tickets: 100, assets: 200 };

/**
 * For the embedded quick start: seeds a small demo dataset and demo users when the database is empty, and
 * mints a fresh admin API token on every start (tokens are stored hashed, so an old one cannot be shown).
 */
export async function ensureDemoData(pool: pg.Pool): Promise<{ seeded: boolean; adminToken: string }> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM clients) AS empty');
    const seeded = rows[0]!.empty;
    if (seeded) await seedDatabase(client, DEMO_SIZE);
    await createUserWithToken(client, { ...DEMO_TECHNICIAN, role: 'technician', label: 'demo' });
    const { token } = await createUserWithToken(client, { ...DEMO_ADMIN, role: 'admin', label: 'demo start' });
    return { seeded, adminToken: token };
  } finally {
    client.release();
  }
}
