import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { resolveDatabase } from '../src/db/resolve-database';
import { createLogger } from '../src/logger';
import { projectPath } from '../src/paths';
import { LISTEN_APPLICATION_NAME } from '../workers/change-feed';
import { parseFlags } from './lib/args';
import { sampleBackendCpu } from './lib/backend-cpu';
import { datasetFor, ensureBenchDatabase } from './lib/bench-database';
import { startServiceProcess, type ServiceProcess } from './lib/service-process';
import { runBench, writeBenchReport } from './lib/bench-report';

const USAGE = 'usage: npm run bench:resync -- [--assets N] [--instances N] [--fresh]';
const BUILD_APPLICATION_NAME = 'asset-cache-build';
const GIVE_UP_MS = 600_000;

/** Before: every instance rebuilds at once. After: the defaults (2 build slots, 0-3 s jitter). */
const VARIANTS = {
  unbounded: { CACHE_MAX_CONCURRENT_BUILDS: '0', CACHE_BUILD_JITTER_MS: '0' },
  bounded: { CACHE_MAX_CONCURRENT_BUILDS: '2', CACHE_BUILD_JITTER_MS: '3000' },
};

interface Stats {
  state: string;
  refreshes: number;
  warm_duration_ms: number | null;
}

/**
 * Issue 19, point 4: N instances on one database lose their change feed at the same moment (their LISTEN
 * connections are terminated), reconnect and resync with a full build each. Measured per variant: the time
 * until every instance is ready again, and the CPU the database spent on the builds (its build backends,
 * sampled through /proc), and the most builds running at once.
 */
async function resync(db: { url: string; token: string }, instances: number, env: Record<string, string>, logDir: string, name: string) {
  const services: ServiceProcess[] = [];
  try {
    // One after another, as PM2 starts them; each is ready (warm) before the next.
    for (let i = 0; i < instances; i++) {
      services.push(await startServiceProcess({ databaseUrl: db.url, logFile: path.join(logDir, `${name}-${i + 1}.log`), env }));
    }
    const stats = async (svc: ServiceProcess) =>
      (await (await fetch(`${svc.url}/api/assets/cache/stats`, { headers: { authorization: `Bearer ${db.token}` } })).json()) as Stats;
    const before = await Promise.all(services.map(stats));
    const cpu = sampleBackendCpu(db.url, BUILD_APPLICATION_NAME);
    const admin = new pg.Client(db.url);
    await admin.connect();
    const started = Date.now();
    const { rowCount } = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [LISTEN_APPLICATION_NAME],
    );
    await admin.end();
    const readyAfterMs: number[] = [];
    await Promise.all(
      services.map(async (svc, i) => {
        for (;;) {
          const now = await stats(svc);
          if (now.state === 'ready' && now.refreshes > before[i]!.refreshes) break;
          if (Date.now() - started > GIVE_UP_MS) throw new Error(`instance ${i + 1} not ready again after ${GIVE_UP_MS} ms`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        readyAfterMs[i] = Date.now() - started;
      }),
    );
    const database = await cpu.stop();
    return {
      variant: name,
      env,
      feeds_terminated: rowCount,
      all_ready_after_ms: Math.max(...readyAfterMs),
      ready_after_ms: readyAfterMs,
      build_ms: (await Promise.all(services.map(stats))).map((s) => s.warm_duration_ms),
      database_build_cpu_seconds: database.cpuSeconds,
      build_backends: database.backends,
      // Two sessions per build (assets; tickets and contacts), both in the build's transaction.
      peak_builds_at_once: Math.ceil(database.peakBuilding / 2),
    };
  } finally {
    await Promise.all(services.map((svc) => svc.stop()));
  }
}

async function main() {
  const flags = parseFlags({ assets: 'int', instances: 'int', fresh: 'bool' }, USAGE);
  const assets = flags.assets ?? 1_000_000;
  const instances = flags.instances ?? 4;
  const server = await resolveDatabase(loadConfig(), createLogger('warn'));
  const resultsDir = projectPath('load-tests', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runs = [];
  try {
    const db = await ensureBenchDatabase(server.url, datasetFor(assets), flags.fresh === true);
    for (const [name, env] of Object.entries(VARIANTS)) {
      runs.push(await resync(db, instances, env, resultsDir, `bench-resync-${stamp}-${name}`));
      process.stderr.write(`${JSON.stringify(runs[runs.length - 1])}\n`);
    }
  } finally {
    await server.stop();
  }
  const report = { when: new Date().toISOString(), command: `npm run bench:resync -- ${process.argv.slice(2).join(' ')}`, assets, instances, runs };
  writeBenchReport(resultsDir, 'bench-resync', stamp, report);
}

runBench(main);
