import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * The conditions of a measured round. CPU in % of one core (the machine's total is 100 × cores): who had the
 * cores. And the load generator's own longest event-loop stall: an open-loop meter charges a late send to the
 * request, so a stall of the generator shows up in the latencies as if the service had been slow.
 */
export interface RoundConditions {
  /** The service process, all its threads (HTTP, cache worker, build thread). */
  service: number;
  /** This process: the load generator. */
  generator: number;
  /** Every PostgreSQL process on the machine (ours, and other users' of the same server). */
  postgres: number;
  /** Interrupt and softirq time: mostly the kernel's loopback TCP work for these requests. */
  kernel: number;
  /** Everything else: whatever else runs on the machine (other tests skew the round). */
  other: number;
  /** Longest event-loop delay of the load generator during the round, ms. */
  generator_stall_ms: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** Busy ticks of the whole machine (steal included: a busy hypervisor neighbour is noise too), and irq + softirq. */
function hostTicks(): { busy: number; kernel: number } | null {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return { busy: user + nice + system + irq + softirq + steal, kernel: irq + softirq };
  } catch {
    return null;
  }
}

function readStat(pid: number | string): { comm: string; ticks: number } | null {
  try {
    // utime and stime are the 14th and 15th fields, counted after the parenthesised command name.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null;
  }
}

const processTicks = (pid: number) => readStat(pid)?.ticks ?? null;

/** CPU ticks of every process named postgres, by pid. */
function postgresTicks(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const stat = readStat(pid);
    if (stat && stat.comm.startsWith('postgres')) out.set(pid, stat.ticks);
  }
  return out;
}

/** A full GC of the generator before a measured round, so its heap from earlier rounds is not collected during it. */
const collectGarbage = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

/** Starts measuring a round; `stop()` returns its conditions, or null where /proc is not available. */
export function roundMeter(servicePid: number | undefined): { stop(): RoundConditions | null } {
  collectGarbage();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const t0 = performance.now();
  const host0 = hostTicks();
  const svc0 = servicePid ? processTicks(servicePid) : null;
  const gen0 = process.cpuUsage();
  const pg0 = host0 === null ? new Map<string, number>() : postgresTicks();
  return {
    stop() {
      const elapsedMs = performance.now() - t0;
      lag.disable();
      const stall = Math.round(lag.max / 1e6);
      const host1 = hostTicks();
      const svc1 = servicePid ? processTicks(servicePid) : null;
      if (host0 === null || host1 === null || svc0 === null || svc1 === null || elapsedMs <= 0) return null;
      const gen = process.cpuUsage(gen0);
      let pgTicks = 0;
      for (const [pid, ticks] of postgresTicks()) pgTicks += ticks - (pg0.get(pid) ?? 0); // a new backend: all of it
      const pct = (ms: number) => Math.round((ms / elapsedMs) * 100);
      const service = pct((svc1 - svc0) * TICK_MS);
      const generator = pct((gen.user + gen.system) / 1000);
      const host = Math.min(pct((host1.busy - host0.busy) * TICK_MS), 100 * os.cpus().length);
      const kernel = pct((host1.kernel - host0.kernel) * TICK_MS);
      const postgres = pct(pgTicks * TICK_MS);
      const other = Math.max(0, host - service - generator - postgres - kernel);
      return { service, generator, postgres, kernel, other, generator_stall_ms: stall };
    },
  };
}
