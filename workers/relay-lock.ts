import pg from 'pg';
import { RELEASE_SLOT_SQL, TERMINATE_LEADER_SQL } from './sql/relay';

/**
 * Ends the session holding the relay's lock (a leader alive but silent), so the campaign takes it.
 */
export async function terminateLeader(databaseUrl: string, applicationName: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: applicationName });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>(TERMINATE_LEADER_SQL);
    return rows[0]?.pid ?? null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A consumer still streaming from the slot (a silent leader's walsender) is ended, so the new leader can. */
export async function releaseSlot(client: pg.ClientBase, slot: string): Promise<void> {
  await client.query(RELEASE_SLOT_SQL, [slot]);
}
