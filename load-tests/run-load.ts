import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { resolveDatabase } from '../src/db/resolve-database';
import { createLogger } from '../src/logger';
import { projectPath } from '../src/paths';
import { parseFlags } from './lib/args';
import { datasetFor, ensureBenchDatabase, ticketIds } from './lib/bench-database';
import { startServiceProcess, type ServiceProcess } from './lib/service-process';
import { compareWithSql, HOSTNAME_PREFIX, type LoadContext, type ScenarioResult, type WriteTarget } from './lib/common';
import { bulk } from './scenarios/bulk';
import { fixedRate } from './scenarios/fixed-rate';
import { mixed } from './scenarios/mixed';
import { refresh } from './scenarios/refresh';
import { evaluate, loadThresholds, markdown } from './lib/report';
import { saturation } from './scenarios/saturation';

const SCENARIOS = { saturation, 'fixed-rate': fixedRate, refresh, mixed, bulk } as const;
type ScenarioName = keyof typeof SCENARIOS;
const USAGE =
  'usage: npm run load -- [--scenario saturation|fixed-rate|refresh|mixed|bulk] [--assets N] [--duration S] [--warmup S] [--smoke] [--fresh] [--profile]';

/** Contacts with a ticket, spread over the dataset: the mixed scenario writes assets for them. */
async function writeTargets(url: string): Promise<WriteTarget[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query<{ ticket_id: number; contact_id: number; client_id: number }>(
      `SELECT t.id AS ticket_id, c.id AS contact_id, c.client_id
         FROM contacts c JOIN LATERAL (SELECT id FROM tickets WHERE contact_id = c.id ORDER BY id LIMIT 1) t ON true
        ORDER BY md5(c.id::text) LIMIT 300`,
    );
    return rows.map((r) => ({ ticketId: r.ticket_id, contactId: r.contact_id, clientId: r.client_id }));
  } finally {
    await client.end();
  }
}

/** Removes the assets the mixed scenario created, so the bench database stays exactly as seeded. */
async function removeLoadAssets(url: string): Promise<number> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(`DELETE FROM assets WHERE hostname LIKE '${HOSTNAME_PREFIX}%'`)).rowCount ?? 0;
  } finally {
    await client.end();
  }
}

interface RunOptions {
  smoke: boolean;
  chosen: ScenarioName[];
  assets: number;
  durationSec: number;
  warmupSec: number;
  fresh: boolean;
  profile: boolean;
}

/** The command line as run options, or the exit code of a usage error. */
function readOptions(): RunOptions | number {
  const flags = parseFlags(
    { scenario: 'string', assets: 'int', duration: 'int', warmup: 'int', smoke: 'bool', fresh: 'bool', profile: 'bool' },
    USAGE,
  );
  const smoke = flags.smoke === true || process.env.LOAD_SMOKE === '1';
  const chosen = (flags.scenario ? [flags.scenario] : Object.keys(SCENARIOS)) as ScenarioName[];
  const unknown = chosen.filter((s) => !Object.hasOwn(SCENARIOS, s));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const assets = flags.assets ?? (smoke ? 5_000 : 20_000);
  const durationSec = flags.duration ?? (smoke ? 3 : 10);
  const warmupSec = flags.warmup ?? (smoke ? 1 : 3);
  if (durationSec < 1 || warmupSec < 1 || assets < 10) {
    process.stderr.write(`--duration and --warmup must be at least 1, --assets at least 10\n${USAGE}\n`);
    return 2;
  }
  return { smoke, chosen, assets, durationSec, warmupSec, fresh: flags.fresh === true, profile: flags.profile === true };
}

/** The service's environment: the bench peers mounted, and with --profile a preloaded CPU profiler. */
function serviceEnv(options: RunOptions, resultsDir: string, stamp: string, log: (message: string) => void): Record<string, string> {
  const env: Record<string, string> = { BENCH_ROUTES: 'true', LOG_LEVEL: 'warn' };
  if (options.profile) {
    const dir = path.join(resultsDir, `profile-${stamp}`);
    // NODE_OPTIONS refuses --cpu-prof, so a preloaded module runs the profiler instead.
    env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(path.join(__dirname, 'lib', 'cpu-profile.js'))}`.trim();
    env.LOAD_CPU_PROFILE_DIR = dir;
    log(`CPU profiles of the service go to ${dir}`);
  }
  return env;
}

/** Before any load: the widget must equal SQL for 200 tickets spread over the dataset (a row of bad bodies otherwise). */
async function preflight(ctx: LoadContext): Promise<ScenarioResult> {
  const { tickets } = ctx;
  const sample = Array.from({ length: Math.min(200, tickets.length) }, (_, i) => tickets[Math.floor((i * tickets.length) / Math.min(200, tickets.length))]!);
  const differing = await compareWithSql(ctx, sample);
  return {
    scenario: 'preflight',
    rows: [{
      scenario: 'preflight', target: `widget = SQL for ${sample.length} tickets`, load: 'check', requests: sample.length, rps: 0,
      p50_ms: 0, p90_ms: 0, p99_ms: 0, max_ms: 0, non2xx: 0, errors: 0, timeouts: 0, bad_bodies: differing.length, widget: false,
    }],
    figures: {},
    notes: differing.length > 0 ? [`widget differs from SQL for tickets ${differing.slice(0, 20).join(', ')}`] : [],
  };
}

/**
 * Seeds (or reuses) the bench database, starts one service process on it, runs the preflight and the chosen
 * scenarios, then stops the service and removes what the mixed scenario wrote. Returns the scenarios' results
 * and the service's exit code after SIGTERM.
 */
async function runScenarios(options: RunOptions, resultsDir: string, stamp: string, log: (message: string) => void) {
  const server = await resolveDatabase(loadConfig(), createLogger('warn'));
  const started = Date.now();
  const results: ScenarioResult[] = [];
  let svc: ServiceProcess | undefined;
  let dbUrl: string | undefined;
  let serviceExit: number | null = null;
  try {
    const dataset = datasetFor(options.assets);
    log(`database: ${server.embedded ? 'embedded' : 'DATABASE_URL'}; dataset ${JSON.stringify(dataset)}`);
    const db = await ensureBenchDatabase(server.url, dataset, options.fresh);
    dbUrl = db.url;
    if (db.seededMs !== null) log(`seeded in ${db.seededMs} ms`);
    const tickets = await ticketIds(db.url);
    const targets = await writeTargets(db.url);
    svc = await startServiceProcess({ databaseUrl: db.url, env: serviceEnv(options, resultsDir, stamp, log), logFile: path.join(resultsDir, `load-${stamp}.log`) });
    log(`service ready at ${svc.url} after ${Date.now() - started} ms`);
    const ctx: LoadContext = {
      url: svc.url,
      auth: { authorization: `Bearer ${db.token}` },
      tickets,
      writeTargets: targets,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      runTag: stamp.replace(/-/g, '').slice(0, 15),
      servicePid: svc.child.pid,
      log,
    };
    results.push(await preflight(ctx));
    for (const name of options.chosen) results.push(await SCENARIOS[name](ctx));
  } finally {
    if (svc) serviceExit = await svc.stop();
    if (dbUrl) {
      const removed = await removeLoadAssets(dbUrl).catch(() => -1);
      if (removed !== 0) log(`removed ${removed} assets created by the mixed scenario`);
    }
    await server.stop();
  }
  return { results, serviceExit };
}

/** Writes the JSON and the Markdown table to load-tests/results/ and prints the table; returns the exit code. */
function writeReport(
  options: RunOptions,
  thresholds: ReturnType<typeof loadThresholds>,
  run: { results: ScenarioResult[]; serviceExit: number | null; started: number; loadBefore: number[] },
  resultsDir: string,
  stamp: string,
): number {
  const { smoke, assets, durationSec, warmupSec } = options;
  const checks = evaluate(run.results, thresholds);
  if (run.serviceExit !== 0) checks.push({ check: 'service exit code after SIGTERM', measured: run.serviceExit ?? -1, threshold: '= 0', pass: false });
  const command = `npm run load -- ${process.argv.slice(2).join(' ')}`.trim();
  const header = [
    `Load test ${new Date().toISOString()}: \`${command}\`${smoke ? ' (smoke thresholds)' : ''}`,
    '',
    `${assets.toLocaleString('en-US')} assets, ${durationSec} s measured per round after ${warmupSec} s warm-up; ` +
      `${os.cpus().length} CPUs, Node ${process.version}, load average ${run.loadBefore.map((n) => n.toFixed(2)).join(' / ')} at start. ` +
      `CPU % is of one core (${100 * os.cpus().length} = the whole machine) over the measured round; "postgres" is every PostgreSQL process on the machine, "kernel" irq + softirq (loopback TCP), "other" anything else running; ` +
      `"generator stall" is the load generator's longest event-loop delay in the round.`,
  ];
  const table = markdown(header, run.results, checks);
  const report = {
    when: new Date().toISOString(),
    command,
    smoke,
    dataset: datasetFor(assets),
    duration_s: durationSec,
    warmup_s: warmupSec,
    machine: { cpus: os.cpus().length, node: process.version, loadavg_start: run.loadBefore, loadavg_end: os.loadavg() },
    thresholds,
    results: run.results,
    checks,
    passed: checks.every((c) => c.pass),
    wall_s: Math.round((Date.now() - run.started) / 1000),
  };
  const base = path.join(resultsDir, `load-${stamp}`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, table);
  process.stdout.write(`\n${table}\nwritten to ${base}.json and ${base}.md\n`);
  const failed = checks.filter((c) => !c.pass);
  if (failed.length > 0) process.stderr.write(`[load] ${failed.length} threshold(s) failed: ${failed.map((c) => c.check).join('; ')}\n`);
  return failed.length > 0 ? 1 : 0;
}

/**
 * The load-test runner (issue 5): one service process with the bench peers mounted, then per scenario a warm-up
 * round and a measured round; writes JSON and a Markdown table to load-tests/results/ and exits 1 when a
 * threshold of load-tests/thresholds.json fails.
 */
async function main(): Promise<number> {
  const options = readOptions();
  if (typeof options === 'number') return options;
  // Read before the run: a thresholds file that does not parse fails at once, not after minutes of load.
  const thresholds = loadThresholds(options.smoke ? 'smoke' : 'full');
  const resultsDir = projectPath('load-tests', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const log = (message: string) => process.stderr.write(`[load ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
  const started = Date.now();
  const loadBefore = os.loadavg();
  const { results, serviceExit } = await runScenarios(options, resultsDir, stamp, log);
  return writeReport(options, thresholds, { results, serviceExit, started, loadBefore }, resultsDir, stamp);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
