import pg from 'pg';

const LOCK_KEY = `hashtext('awc_cache_wal_relay')::int8`;

/** The relay's leadership: a session advisory lock, per database like the slot. */
export const LEADER_LOCK_SQL = `SELECT pg_try_advisory_lock(${LOCK_KEY}) AS leader, current_database() AS database`;

/**
 * Ends the session holding the relay's lock (a leader alive but silent), so the campaign takes it. A one-key
 * advisory lock shows in pg_locks as its high and low 32 bits (classid, objid) with objsubid 1.
 */
export async function terminateLeader(databaseUrl: string, applicationName: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: applicationName });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid, pg_terminate_backend(pid) FROM (SELECT l.pid FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.pid <> pg_backend_pid()
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.classid = ((${LOCK_KEY} >> 32) & 4294967295)::oid AND l.objid = (${LOCK_KEY} & 4294967295)::oid) holder`,
    );
    return rows[0]?.pid ?? null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A consumer still streaming from the slot (a silent leader's walsender) is ended, so the new leader can. */
export async function releaseSlot(client: pg.ClientBase, slot: string): Promise<void> {
  await client.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active AND active_pid <> pg_backend_pid()', [slot]);
}
