import fs from 'node:fs';
import pg from 'pg';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;
const SAMPLE_MS = 200;

/** CPU ticks the process has used so far (utime + stime), or undefined once it has ended. */
export function cpuTicks(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command: utime and stime are the 12th and 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** The whole machine's CPU so far, in seconds summed over cores (/proc/stat): busy, idle, and stolen by the host. */
export function machineCpu(): { busy: number; idle: number; steal: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user! + nice! + system! + irq! + softirq!) / TICKS_PER_SECOND, idle: (idle! + iowait!) / TICKS_PER_SECOND, steal: steal! / TICKS_PER_SECOND };
}

/** What a PostgreSQL process does, from pg_stat_activity: the cache's connections by their application_name. */
function backendGroup(applicationName: string, backendType: string): string {
  if (backendType === 'walsender') return 'pg walsender';
  if (backendType !== 'client backend') return `pg ${backendType}`;
  if (applicationName === 'pgbench') return 'pg pgbench backends';
  if (applicationName === 'asset-cache-relay') return 'pg relay publish (leader)';
  if (applicationName === 'asset-cache-follow') return 'pg LISTEN (follow)';
  if (applicationName === 'asset-cache-reader') return 'pg readers (batch reads)';
  if (applicationName.startsWith('asset-cache-')) return `pg ${applicationName}`;
  return 'pg other';
}

/**
 * Samples, every SAMPLE_MS until stopped, the CPU of every PostgreSQL process of the server (grouped by what
 * it serves) and of the named local processes (service instances, pgbench), for a per-process picture of
 * where a run's CPU went. A process first seen after the start counts from 0 (it started meanwhile); one that
 * ends loses at most its last SAMPLE_MS. The sampler's own queries show under "pg other".
 */
export function sampleProcessCpu(databaseUrl: string, named: () => Array<{ name: string; pid: number | undefined }>) {
  const client = new pg.Client(databaseUrl);
  const seen = new Map<number, { group: string; first: number; last: number }>();
  let first = true;
  let running = true;
  const note = (pid: number, group: string) => {
    const ticks = cpuTicks(pid);
    if (ticks === undefined) return;
    const known = seen.get(pid);
    if (known) known.last = ticks;
    else seen.set(pid, { group, first: first ? ticks : 0, last: ticks });
  };
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ pid: number; app: string; type: string }>(
        'SELECT pid, application_name AS app, backend_type AS type FROM pg_stat_activity',
      );
      for (const row of rows) note(row.pid, backendGroup(row.app, row.type));
      for (const { name, pid } of named()) if (pid !== undefined) note(pid, name);
      first = false;
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
    await client.end();
  })();
  const machineFrom = machineCpu();
  return {
    /**
     * CPU seconds per group, largest first, then the machine's: busy (everything, the sampled processes and
     * any other work), idle and stolen by the host while sampling.
     */
    async stop(): Promise<Record<string, number>> {
      running = false;
      const machineTo = machineCpu();
      await loop;
      const groups = new Map<string, number>();
      for (const { group, first: from, last } of seen.values()) groups.set(group, (groups.get(group) ?? 0) + last - from);
      const sorted = [...groups.entries()].filter(([, ticks]) => ticks > 0).sort((a, b) => b[1] - a[1]);
      const round2 = (n: number) => Math.round(n * 100) / 100;
      return {
        ...Object.fromEntries(sorted.map(([group, ticks]) => [group, round2(ticks / TICKS_PER_SECOND)])),
        'machine busy': round2(machineTo.busy - machineFrom.busy),
        'machine idle': round2(machineTo.idle - machineFrom.idle),
        'machine steal': round2(machineTo.steal - machineFrom.steal),
      };
    },
  };
}
