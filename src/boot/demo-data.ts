import crypto from 'node:crypto';
import type pg from 'pg';
import type { Role } from '../domain/principal';
import { hashPassword, verifyPassword } from '../auth/secrets';
import { demoStateRepository } from '../db/repositories/demo-state';
import { usersRepository } from '../db/repositories/users';
import { seedDatabase } from '../db/seed';
import { issueToken } from '../services/api-tokens';

export const DEMO_ADMIN_EMAIL = 'admin@example.com';
const DEMO_TECHNICIAN_EMAIL = 'tech@example.com';
const DEMO_USERS: ReadonlyArray<{ email: string; role: Role }> = [
  { email: DEMO_ADMIN_EMAIL, role: 'admin' },
  { email: DEMO_TECHNICIAN_EMAIL, role: 'technician' },
];
const DEMO_SIZE = { contacts: 50, tickets: 100, assets: 200 };
/** The fixed passwords earlier versions gave the demo users (and published in the README). */
const PUBLISHED_PASSWORDS: Readonly<Record<string, string>> = { [DEMO_ADMIN_EMAIL]: 'admin-demo', [DEMO_TECHNICIAN_EMAIL]: 'tech-demo' };

export interface DemoUser {
  email: string;
  role: Role;
  /** Random, shown once: only its argon2id hash is stored. */
  password: string;
}

/** What the embedded quick start did to its database on this start. */
export interface DemoStart {
  /** The demo dataset was loaded now (the database had no clients). */
  seeded: boolean;
  /** Demo users created now, with their one-time passwords; empty on every later start. */
  users: DemoUser[];
  /** A new admin API token, minted only on the start that created the demo admin (or when asked, see main.ts). */
  adminToken?: string;
  /** Demo users of an older data folder that still have the password earlier versions published. */
  publishedPasswordUsers: string[];
}

/** A random demo password: 96 bits, URL-safe, easy to paste. */
function randomPassword(): string {
  return crypto.randomBytes(12).toString('base64url');
}

/**
 * For the embedded quick start: loads a small demo dataset when the database is empty, and creates the demo
 * users (admin@example.com, tech@example.com) with random passwords when the data is loaded or when the
 * database has no user at all. An existing user is never changed, so a later start keeps every password and
 * mints no token; the passwords and the first admin token are returned to be printed once.
 */
export async function ensureDemoData(pool: pg.Pool): Promise<DemoStart> {
  const client = await pool.connect();
  try {
    const { noClients: seeded, noUsers } = await demoStateRepository.emptiness(client);
    if (seeded) await seedDatabase(client, DEMO_SIZE);
    const users: DemoUser[] = [];
    const publishedPasswordUsers: string[] = [];
    let adminToken: string | undefined;
    const createMissing = seeded || noUsers;
    for (const { email, role } of DEMO_USERS) {
      const existing = await usersRepository.findForLogin(client, email);
      if (existing) {
        // Left as it is (a start never changes a user), but said out loud: that password is public.
        if (existing.passwordHash && (await verifyPassword(existing.passwordHash, PUBLISHED_PASSWORDS[email]!))) {
          publishedPasswordUsers.push(email);
        }
        continue;
      }
      if (createMissing) {
        const password = randomPassword();
        await usersRepository.upsertUser(client, email, role, await hashPassword(password));
        users.push({ email, role, password });
        if (role === 'admin') adminToken = (await issueToken(client, email, 'demo first start')).token;
      }
    }
    return adminToken === undefined ? { seeded, users, publishedPasswordUsers } : { seeded, users, adminToken, publishedPasswordUsers };
  } finally {
    client.release();
  }
}

/**
 * A new API token for the demo admin, for `npm start -- --print-token`: tokens are stored hashed, so an earlier
 * one cannot be shown again. Throws UnknownUserError when admin@example.com no longer exists.
 */
export async function mintDemoAdminToken(pool: pg.Pool): Promise<string> {
  return (await issueToken(pool, DEMO_ADMIN_EMAIL, 'print-token')).token;
}
