import fs from 'node:fs';
import path from 'node:path';
import type { CacheStats } from '../src/cache/cache-client';
import { loadConfig } from '../src/config';
import { resolveDatabase } from '../src/db/resolve-database';
import { createLogger } from '../src/logger';
import { projectPath } from '../src/paths';
import { parseFlags } from './lib/args';
import { datasetFor, ensureBenchDatabase, ticketIds, type BenchDataset } from './lib/bench-database';
import { exportFloor } from './lib/export-floor';
import { pacedLoad } from './lib/paced-load';
import { peakRssBytes } from './lib/peak-rss';
import { startServiceProcess } from './lib/service-process';
import { runBench, writeBenchReport } from './lib/bench-report';

const USAGE = 'usage: npm run bench:cache -- [--assets N[,N…]] [--build thread|worker[,…]] [--rate R] [--duration S] [--fresh]';
const BUILDS = ['thread', 'worker'] as const;
type Build = (typeof BUILDS)[number];

type CacheStatsBody = Pick<CacheStats, 'warm_duration_ms' | 'size' | 'heap_used_bytes' | 'snapshot_bytes' | 'hits' | 'misses' | 'build_in'>;

/** The build figures the service logs with each `cache.warm` (LOG_LEVEL=info), in order. */
function warmLogs(logFile: string): Array<{ reason: string; duration_ms: number; build_heap_used_bytes: number; build_heap_total_bytes: number; phases_ms: Record<string, number> }> {
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"event":"cache.warm"'))
    .map((line) => JSON.parse(line) as never);
}

const ratio = (a: number | null, b: number) => (a === null ? null : Math.round((a / b) * 100) / 100);

/**
 * One service on `db`, its snapshots built where `build` says (CACHE_BUILD_THREAD): warm-up time and memory,
 * then widget latency at a fixed offered rate (open loop, after a 3 s warm-up round) while a full refresh runs
 * a third of the way in.
 */
async function measure(db: { url: string; token: string }, tickets: number[], build: Build, rate: number, duration: number, logFile: string) {
  const started = Date.now();
  const env = { CACHE_BUILD_THREAD: String(build === 'thread'), LOG_LEVEL: 'info' };
  const svc = await startServiceProcess({ databaseUrl: db.url, logFile, env });
  const startupMs = Date.now() - started;
  const peakRssAtReady = peakRssBytes(svc.child.pid);
  const auth = { authorization: `Bearer ${db.token}` };
  const stats = async () => (await (await fetch(`${svc.url}/api/assets/cache/stats`, { headers: auth })).json()) as CacheStatsBody;
  try {
    const warm = await stats();
    if (warm.build_in !== build) throw new Error(`asked for builds in the ${build}, the service says ${warm.build_in}`);
    const load = (durationSec: number) =>
      pacedLoad({
        url: svc.url,
        rate,
        durationSec,
        headers: auth,
        path: (i) => `/api/assets/widget/${tickets[(i * 7919) % tickets.length]}`,
        checkBody: (body) => body.startsWith('{"assets":['),
      });
    await load(3);
    let refresh: Promise<{ status: number; body: unknown }> | undefined;
    const refreshTimer = setTimeout(() => {
      refresh = fetch(`${svc.url}/api/assets/cache/refresh`, { method: 'POST', headers: auth }).then(async (r) => ({ status: r.status, body: await r.json() }));
    }, (duration * 1000) / 3);
    const result = await load(duration);
    clearTimeout(refreshTimer);
    const refreshed = await refresh;
    const after = await stats();
    const [startup] = warmLogs(logFile);
    return {
      build_in: build,
      startup_to_ready_ms: startupMs,
      warm_ms: warm.warm_duration_ms,
      cached_assets: warm.size,
      worker_heap_bytes: warm.heap_used_bytes,
      snapshot_bytes: warm.snapshot_bytes,
      peak_rss_bytes_at_ready: peakRssAtReady,
      peak_rss_bytes_after_refresh: peakRssBytes(svc.child.pid),
      build_heap_at_warm: startup ? { used_bytes: startup.build_heap_used_bytes, committed_bytes: startup.build_heap_total_bytes } : null,
      warm_phases_ms: startup?.phases_ms ?? null,
      refresh_during_load: refreshed,
      refresh_hits_misses: { hits: after.hits, misses: after.misses },
      widget_at_fixed_rate_during_refresh: result,
    };
  } finally {
    await svc.stop();
  }
}

/**
 * The cache benchmark (issue 3): for each dataset size and each place a snapshot can be built (a piscina
 * thread, or the cache worker itself), one after the other in the same run.
 */
async function main() {
  const flags = parseFlags({ assets: 'string', build: 'string', rate: 'int', duration: 'int', fresh: 'bool' }, USAGE);
  const sizes = (flags.assets ?? '100000,1000000').split(',').map(Number);
  const builds = (flags.build ?? 'thread').split(',') as Build[];
  if (builds.some((b) => !BUILDS.includes(b))) {
    process.stderr.write(`--build takes thread and/or worker\n${USAGE}\n`);
    process.exit(2);
  }
  const rate = flags.rate ?? 300;
  const duration = flags.duration ?? 20;
  const config = loadConfig();
  const logger = createLogger('warn');
  const server = await resolveDatabase(config, logger);
  const resultsDir = projectPath('load-tests', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  type Floor = { ms_before: number; ms_after: number; bytes: number };
  const runs: Array<{ assets: number; dataset: BenchDataset; seed_ms: number | null; export_floor: Floor; warm_over_floor: number | null } & Awaited<ReturnType<typeof measure>>> = [];
  try {
    for (const assets of sizes) {
      const dataset = datasetFor(assets);
      const db = await ensureBenchDatabase(server.url, dataset, flags.fresh === true);
      const tickets = await ticketIds(db.url);
      for (const [i, build] of builds.entries()) {
        const logFile = path.join(resultsDir, `bench-cache-${stamp}-${assets}-${i + 1}-${build}.log`);
        // The floor just before and just after the service's run, on the same database and machine state.
        const floorBefore = await exportFloor(db.url);
        const measured = await measure(db, tickets, build, rate, duration, logFile);
        const floorAfter = await exportFloor(db.url);
        const floorMs = Math.round((floorBefore.ms + floorAfter.ms) / 2);
        runs.push({
          assets,
          dataset,
          seed_ms: db.seededMs,
          export_floor: { ms_before: floorBefore.ms, ms_after: floorAfter.ms, bytes: floorBefore.bytes },
          warm_over_floor: ratio(measured.warm_ms, floorMs),
          ...measured,
        });
        process.stderr.write(`${JSON.stringify(runs[runs.length - 1])}\n`);
      }
    }
  } finally {
    await server.stop();
  }
  // Memory per asset between the first two sizes, from the first run of each with the first build asked for.
  const firstRun = (assets: number | undefined) => runs.find((r) => r.assets === assets && r.build_in === builds[0]);
  const [small, large] = [firstRun(sizes[0]), firstRun(sizes[1])];
  const perAsset =
    small && large
      ? Math.round(
          (large.worker_heap_bytes + large.snapshot_bytes - small.worker_heap_bytes - small.snapshot_bytes) /
            (large.cached_assets - small.cached_assets),
        )
      : null;
  const report = { when: new Date().toISOString(), command: `npm run bench:cache -- ${process.argv.slice(2).join(' ')}`, bytes_per_cached_asset: perAsset, runs };
  writeBenchReport(resultsDir, 'bench-cache', stamp, report);
}

runBench(main);
