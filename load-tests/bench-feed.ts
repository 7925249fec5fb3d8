import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { createLogger } from '../src/logger';
import { projectPath } from '../src/paths';
import { parseFlags } from './lib/args';
import { datasetFor, ensureBenchDatabase } from './lib/bench-database';
import { freePort, startServiceProcess, type ServiceProcess } from './lib/service-process';
import { runBench, writeBenchReport } from './lib/bench-report';
import { cpuTicks, sampleProcessCpu } from './lib/process-cpu';
import { APPLICATION_CPU, DATABASE_CPU, splitCores } from './lib/cpu-split';
import { sampleWriterWaits } from './lib/writer-waits';

const USAGE = 'usage: npm run bench:feed -- [--assets N] [--seconds S] [--rounds N] [--interleave] [--profile] [--split-cores] [--socket] [--waits]';
const TICKS_PER_SECOND = 100;
const BURST_ROWS = 10_000;
const BURST_TRANSACTIONS = 20;
const STEADY_RATE = 500;
const STEADY_SECONDS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

/** CPU seconds the process has used so far. */
const cpuSeconds = (pid: number) => (cpuTicks(pid) ?? 0) / TICKS_PER_SECOND;

/**
 * pgbench's tps (without connection time) for single-row updates of `table`; `started` is told its pid, so
 * its CPU can be sampled while it runs.
 */
async function pgbench(url: string, table: string, assets: number, args: string[], started?: (pid: number | undefined) => void): Promise<number> {
  const script = path.join(os.tmpdir(), `awc-bench-feed-${process.pid}-${table}.sql`);
  fs.writeFileSync(script, `\\set id random(1, ${assets})\nUPDATE ${table} SET pdq_device_id = :id::text WHERE id = :id;\n`);
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile('pgbench', ['-n', ...args, '-f', script, url], { encoding: 'utf8' }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    started?.(child.pid);
  });
  fs.rmSync(script);
  return Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)![1]);
}

/**
 * The WAL feed's cost and health (issue 15), on an embedded PostgreSQL with wal_level=logical and two
 * service instances in WAL mode: writer throughput on `assets` (published) against `assets_outside` (an
 * identical table, not published), in A B / B A order by round, each run followed by the feed's catch-up
 * (outside the run), with the CPU of every process during each run (lib/process-cpu.ts), the WAL written and
 * the batches published; the walsender's CPU for a 10,000-row burst and for a steady 500 writes/s; how long
 * after the burst's last commit the slot's confirmed position caught up; then, with the services stopped
 * (slot idle), the same rounds again as a control. Each run starts after a VACUUM and a CHECKPOINT; the
 * pooled ratio (total tps over total tps) and the median round's ratio are the figures, the rounds show the spread.
 */
async function main() {
  const flags = parseFlags({ assets: 'int', seconds: 'int', rounds: 'int', interleave: 'bool', profile: 'bool', 'split-cores': 'bool', socket: 'bool', waits: 'bool' }, USAGE);
  const assets = flags.assets ?? 100_000;
  const seconds = flags.seconds ?? 15;
  const rounds = flags.rounds ?? 2;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'awc-bench-feed-'));
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger: createLogger('warn') });
  // --split-cores: PostgreSQL on one CPU, the services, pgbench and this process on the other (lib/cpu-split.ts).
  if (flags['split-cores']) splitCores(path.join(dataDir, 'pg'));
  const resultsDir = projectPath('load-tests', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const running: ServiceProcess[] = [];
  let report: Record<string, unknown>;
  try {
    const db = await ensureBenchDatabase(server.url, datasetFor(assets));
    const client = new pg.Client(db.url);
    // Stopping the server in `finally` ends this session too: the error that stopped the run is the one to see.
    client.on('error', () => undefined);
    await client.connect();
    await client.query('CREATE TABLE assets_outside (LIKE assets INCLUDING ALL)');
    await client.query('INSERT INTO assets_outside SELECT * FROM assets');
    await client.query('CREATE TRIGGER assets_outside_before_write BEFORE INSERT OR UPDATE ON assets_outside FOR EACH ROW EXECUTE FUNCTION assets_before_write()');
    // LIKE copies no foreign keys: without these the outside table was cheaper to update than `assets` with
    // no service running at all (the control pair below showed it).
    await client.query(`ALTER TABLE assets_outside ADD FOREIGN KEY (client_id) REFERENCES clients(id) ON DELETE CASCADE,
      ADD FOREIGN KEY (contact_id, client_id) REFERENCES contacts(id, client_id) ON DELETE SET NULL (contact_id)`);
    // Autovacuum would visit one table in the middle of the other's run.
    if (flags.interleave) for (const table of ['assets', 'assets_outside']) await client.query(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
    await client.query('VACUUM ANALYZE assets, assets_outside');
    // --waits: what the writers' backends wait on, per run (lib/writer-waits.ts), with the WAL flushes timed.
    if (flags.waits) await client.query('ALTER SYSTEM SET track_wal_io_timing = on').then(() => client.query('SELECT pg_reload_conf()'));
    // --profile: each service thread writes a .cpuprofile at exit (lib/cpu-profile.ts).
    const profileEnv: Record<string, string> = flags.profile
      ? { NODE_OPTIONS: `--require ${JSON.stringify(path.join(__dirname, 'lib', 'cpu-profile.js'))}`, LOAD_CPU_PROFILE_DIR: path.join(resultsDir, `profile-feed-${stamp}`) }
      : {};
    // --socket: the services reach PostgreSQL over its Unix socket, as a service on the database host would;
    // over loopback TCP the database's CPU also carries the receiving side of every message it sends them.
    const sockets = await client.query<{ dirs: string }>(`SELECT current_setting('unix_socket_directories') AS dirs`);
    const socketDir = sockets.rows[0]!.dirs.split(',')[0]!.trim();
    const serviceUrl = flags.socket ? `${db.url}?host=${encodeURIComponent(socketDir)}` : db.url;
    for (const name of ['a', 'b']) {
      running.push(await startServiceProcess({ databaseUrl: serviceUrl, env: profileEnv, logFile: path.join(resultsDir, `bench-feed-${stamp}-${name}.log`) }));
    }
    const walsender = async () => {
      for (;;) {
        const { rows } = await client.query<{ pid: number }>(`SELECT pid FROM pg_stat_replication WHERE application_name = 'asset-cache-wal'`);
        if (rows[0]) return rows[0].pid;
        await sleep(100);
      }
    };
    /** Milliseconds until the slot has confirmed everything written so far. */
    const caughtUp = async () => {
      const started = performance.now();
      const target = (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
      for (;;) {
        const { rows } = await client.query<{ done: boolean }>(
          `SELECT bool_and(confirmed_flush_lsn >= $1::pg_lsn) AS done FROM pg_replication_slots WHERE database = current_database()`,
          [target],
        );
        if (rows[0]!.done) return Math.round(performance.now() - started);
        await sleep(10);
      }
    };
    await walsender();
    await caughtUp();
    const census = await client.query<{ name: string; n: number }>(
      `SELECT application_name AS name, count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'asset-cache-%' GROUP BY 1 ORDER BY 1`,
    );
    const triggers = await client.query<{ enabled: string }>(`SELECT tgenabled AS enabled FROM pg_trigger WHERE tgname = 'assets_notify'`);

    const lastSeq = async () => Number((await client.query<{ seq: string }>('SELECT COALESCE(max(seq), 0)::text AS seq FROM awc_feed_batches')).rows[0]!.seq);
    const batchesAfter = async (seq: number) =>
      (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM awc_feed_batches WHERE seq > $1', [seq])).rows[0]!.n;
    const walLsn = async () => (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
    const writerArgs = ['-c', '16', '-j', '2', '-T', String(seconds)];
    /** One pgbench run on `table`, then the feed's catch-up (not part of the run): tps, CPU per process, WAL written, batches published. */
    const writerRun = async (table: string, feedRunning = true) => {
      // Every run starts from the same state: no dead rows left by the run before, and a checkpoint just
      // taken, so each pays the same full-page writes (a checkpoint inside one run swung pairs by 15 %).
      // --interleave: short runs back to back instead, so that both tables meet the same checkpoint phase
      // and the same moment of the machine (pairs pays the VACUUM and CHECKPOINT once).
      if (!flags.interleave) {
        await client.query(`VACUUM ${table}`);
        await client.query('CHECKPOINT');
      }
      const [seq, lsn] = [await lastSeq(), await walLsn()];
      let benchPid: number | undefined;
      const services = running.map((svc, i) => ({ name: `node service ${'ab'[i]}`, pid: svc.child.pid }));
      const sampler = sampleProcessCpu(db.url, () => [...services, { name: 'pgbench', pid: benchPid }]);
      const waitSampler = flags.waits ? sampleWriterWaits(db.url) : undefined;
      const tps = await pgbench(db.url, table, assets, writerArgs, (p) => (benchPid = p));
      const cpu = await sampler.stop();
      const waits = await waitSampler?.stop();
      const wal = await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes', [lsn]);
      const batches = await batchesAfter(seq);
      const catchUpMs = feedRunning ? await caughtUp() : null;
      return { tps, wal_bytes: Number(wal.rows[0]!.bytes), batches, catch_up_ms: catchUpMs, cpu_s: cpu, ...(waits ? { writers_waiting: { ...waits, writes_per_flush: ratio(tps * seconds, Math.max(1, waits.wal_syncs)) } } : {}) };
    };
    /**
     * Rounds of the pair in A B / B A order; the pooled ratio is the total tps on `assets` over the total
     * outside, the median the middle round's ratio (one run slowed by the machine moves it least).
     */
    const pairs = async (feedRunning: boolean) => {
      const list: Array<Record<string, unknown>> = [];
      const total = { assets: 0, assets_outside: 0 };
      let walsenderCpu = 0;
      if (flags.interleave) {
        await client.query('VACUUM assets, assets_outside');
        await client.query('CHECKPOINT');
      }
      for (let round = 1; round <= rounds; round++) {
        // A B, then B A: whichever table goes second meets whatever the first run left behind.
        const order = round % 2 === 1 ? ['assets', 'assets_outside'] : ['assets_outside', 'assets'];
        const runs: Record<string, Awaited<ReturnType<typeof writerRun>>> = {};
        for (const table of order) runs[table] = await writerRun(table, feedRunning);
        const published = runs.assets!;
        const outside = runs.assets_outside!;
        total.assets += published.tps;
        total.assets_outside += outside.tps;
        walsenderCpu += published.cpu_s['pg walsender'] ?? 0;
        list.push({
          round, order: order.join(' then '), loadavg: os.loadavg().map((n) => Math.round(n * 100) / 100), ratio: ratio(published.tps, outside.tps),
          ...(feedRunning ? { database_cpu_us_per_write: databaseCpuPerWrite(published, outside) } : {}), assets: published, assets_outside: outside,
        });
      }
      const ratios = list.map((r) => r.ratio as number).sort((a, b) => a - b);
      const median = (ratios[(ratios.length - 1) >> 1]! + ratios[ratios.length >> 1]!) / 2;
      return { ratio_pooled: ratio(total.assets, total.assets_outside), ratio_median: Math.round(median * 1000) / 1000, rounds: list, walsenderCpu };
    };
    /**
     * What one write costs the database server's CPU: the writers' own backends (outside run), and the feed's
     * processes there (the walsender beyond what it spends in the outside run, where it decodes but sends
     * nothing; the relay's session, the batch reads, the LISTEN sessions). Less noisy than tps: on a
     * CPU-bound server the ratio tends to backends / (backends + feed).
     */
    const databaseCpuPerWrite = (published: Awaited<ReturnType<typeof writerRun>>, outside: Awaited<ReturnType<typeof writerRun>>) => {
      const [writes, writesOutside] = [published.tps * seconds, outside.tps * seconds];
      const cpu = (run: typeof published, name: string) => run.cpu_s[name] ?? 0;
      const walsender = cpu(published, 'pg walsender') / writes - cpu(outside, 'pg walsender') / writesOutside;
      const feedSessions = ['pg relay publish (leader)', 'pg readers (batch reads)', 'pg LISTEN (follow)'].reduce((sum, name) => sum + cpu(published, name), 0) / writes;
      const us = (x: number) => Math.round(x * 1e7) / 10;
      return { writers_backends: us(cpu(outside, 'pg pgbench backends') / writesOutside), feed_walsender: us(walsender), feed_sessions: us(feedSessions), feed: us(walsender + feedSessions) };
    };
    const writers = await pairs(true);

    let pid = await walsender();
    let cpu = cpuSeconds(pid);
    const per = BURST_ROWS / BURST_TRANSACTIONS;
    for (let t = 0; t < BURST_TRANSACTIONS; t++) {
      await client.query(`UPDATE assets SET pdq_device_id = 'burst-' || id WHERE id > $1 AND id <= $2`, [t * per, (t + 1) * per]);
    }
    const burstCatchUpMs = await caughtUp();
    const burstCpu = cpuSeconds(pid) - cpu;

    pid = await walsender();
    cpu = cpuSeconds(pid);
    const steadyTps = await pgbench(db.url, 'assets', assets, ['-c', '4', '-j', '2', '-R', String(STEADY_RATE), '-T', String(STEADY_SECONDS)]);
    await caughtUp();
    const steadyCpu = cpuSeconds(pid) - cpu;
    // Control: the services stopped (slot idle, nobody decoding), the same pair of runs: what the two tables
    // cost the writers without the feed.
    await Promise.all(running.splice(0).map((svc) => svc.stop()));
    const control = await pairs(false);
    await client.end();

    const round2 = (n: number) => Math.round(n * 100) / 100;
    report = {
      when: new Date().toISOString(),
      command: `npm run bench:feed -- ${process.argv.slice(2).join(' ')}`,
      assets,
      cores: os.cpus().length,
      split_cores: flags['split-cores'] ? { postgres_cpu: DATABASE_CPU, services_and_pgbench_cpu: APPLICATION_CPU } : null,
      services_connect_over: flags.socket ? `Unix socket in ${socketDir}` : 'TCP (loopback)',
      loadavg_at_end: os.loadavg().map(round2),
      service_connections: census.rows,
      assets_notify_trigger: triggers.rows[0]?.enabled,
      writers: { pgbench: `pgbench -n ${writerArgs.join(' ')}`, ratio_pooled: writers.ratio_pooled, ratio_median: writers.ratio_median, rounds: writers.rounds },
      walsender_cpu_s_during_writer_runs: round2(writers.walsenderCpu),
      burst: { rows: BURST_ROWS, transactions: BURST_TRANSACTIONS, walsender_cpu_s: round2(burstCpu), slot_confirmed_after_ms: burstCatchUpMs },
      control_without_services: { ratio_pooled: control.ratio_pooled, ratio_median: control.ratio_median, rounds: control.rounds },
      steady: { target_rate: STEADY_RATE, seconds: STEADY_SECONDS, tps: round2(steadyTps), walsender_cpu_s: round2(steadyCpu), walsender_core_share: round2(steadyCpu / STEADY_SECONDS) },
    };
  } finally {
    await Promise.all(running.map((svc) => svc.stop()));
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  writeBenchReport(resultsDir, 'bench-feed', stamp, report);
}

runBench(main);
