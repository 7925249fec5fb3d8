import type { Queryable } from '../pool';

/** What the embedded quick start asks before it loads demo data or creates demo users. */
export const demoStateRepository = {
  /** Whether the database has no client (no dataset loaded) and no user (nobody can sign in). */
  async emptiness(db: Queryable): Promise<{ noClients: boolean; noUsers: boolean }> {
    const { rows } = await db.query<{ no_clients: boolean; no_users: boolean }>(
      'SELECT NOT EXISTS (SELECT 1 FROM clients) AS no_clients, NOT EXISTS (SELECT 1 FROM users) AS no_users',
    );
    return { noClients: rows[0]!.no_clients, noUsers: rows[0]!.no_users };
  },
};
