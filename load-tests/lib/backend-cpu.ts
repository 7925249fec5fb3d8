import fs from 'node:fs';
import pg from 'pg';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;
const SAMPLE_MS = 100;

/**
 * Samples the PostgreSQL backends serving one application_name (on this machine, through /proc) until
 * stopped: the CPU they used, and the most of them at once inside a transaction (building, not waiting
 * for a build slot). Backends that start and end between two samples
 * are missed, so keep the work measured long against SAMPLE_MS. Other users of the server are not counted.
 */
export function sampleBackendCpu(databaseUrl: string, applicationName: string) {
  const client = new pg.Client(databaseUrl);
  const ticks = new Map<number, number>();
  let peakBuilding = 0;
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ pid: number; building: boolean }>(
        'SELECT pid, xact_start IS NOT NULL AS building FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      peakBuilding = Math.max(peakBuilding, rows.filter((row) => row.building).length);
      for (const { pid } of rows) {
        try {
          // Fields after the parenthesised command: utime and stime are the 12th and 13th.
          const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
          ticks.set(pid, Number(fields[11]) + Number(fields[12]));
        } catch {
          // The backend ended between the query and the read: its last sample stands.
        }
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
    await client.end();
  })();
  return {
    async stop(): Promise<{ cpuSeconds: number; backends: number; peakBuilding: number }> {
      running = false;
      await loop;
      const total = [...ticks.values()].reduce((sum, t) => sum + t, 0);
      return { cpuSeconds: Math.round((total / TICKS_PER_SECOND) * 10) / 10, backends: ticks.size, peakBuilding };
    },
  };
}
