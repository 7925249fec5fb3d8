import pg from 'pg';

const SAMPLE_MS = 10;

export interface WriterWaits {
  /** Share of the writers' backends in each wait (`type:event`; `running` when in none), over every sample. */
  backends: Record<string, number>;
  samples: number;
  /**
   * WAL flushes (pg_stat_wal.wal_sync) during the run, and their mean duration as the flushing backend saw it
   * (null unless the server runs with track_wal_io_timing, which `--waits` turns on).
   */
  wal_syncs: number;
  wal_sync_ms_mean: number | null;
}

/**
 * What pgbench's backends wait on during a run (`bench:feed --waits`): pg_stat_activity sampled every
 * SAMPLE_MS, and the WAL flushes from pg_stat_wal. It tells a run held back by the WAL flush (most backends
 * on `LWLock:WALWrite` or `IO:WalSync`: every commit waits for a flush, and what else runs on the database's
 * CPU lengthens each cycle) from one held back by its clients (`Client:ClientRead`: a busier client CPU).
 * The sampler's queries run on the database's CPU, alike for both tables of a pair.
 */
export function sampleWriterWaits(databaseUrl: string): { stop(): Promise<WriterWaits> } {
  const client = new pg.Client(databaseUrl);
  const counts: Record<string, number> = {};
  let samples = 0;
  let running = true;
  const walStat = async () =>
    (await client.query<{ syncs: number; ms: number }>('SELECT wal_sync::float8 AS syncs, wal_sync_time AS ms FROM pg_stat_wal')).rows[0]!;
  const loop = (async () => {
    await client.connect();
    const before = await walStat();
    while (running) {
      const { rows } = await client.query<{ wait: string }>(
        `SELECT COALESCE(wait_event_type || ':' || wait_event, 'running') AS wait FROM pg_stat_activity WHERE application_name = 'pgbench'`,
      );
      for (const { wait } of rows) counts[wait] = (counts[wait] ?? 0) + 1;
      samples++;
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
    const after = await walStat();
    await client.end();
    return { syncs: after.syncs - before.syncs, ms: after.ms - before.ms };
  })();
  return {
    async stop() {
      running = false;
      const wal = await loop;
      // Shares, not counts per sample: the first samples come before pgbench has connected.
      const seen = Object.values(counts).reduce((sum, n) => sum + n, 0);
      const backends = Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, Math.round((n / seen) * 1000) / 1000]));
      return { backends, samples, wal_syncs: wal.syncs, wal_sync_ms_mean: wal.syncs > 0 && wal.ms > 0 ? Math.round((wal.ms / wal.syncs) * 1000) / 1000 : null };
    },
  };
}
