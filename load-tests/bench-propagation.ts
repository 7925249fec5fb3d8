import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { resolveDatabase } from '../src/db/resolve-database';
import { createLogger } from '../src/logger';
import { projectPath } from '../src/paths';
import { parseFlags } from './lib/args';
import { datasetFor, ensureBenchDatabase, ticketIds } from './lib/bench-database';
import { commitViaApi, commitViaSql, liveLatency } from './lib/live-latency';
import { openStreamsCost } from './lib/open-streams';
import { percentiles, round2 as round } from './lib/percentiles';
import { prng } from './lib/prng';
import { startServiceProcess, type ServiceProcess } from './lib/service-process';
import { runBench, writeBenchReport } from './lib/bench-report';

const USAGE =
  'usage: npm run bench:propagation -- [--assets N] [--updates N] [--live-updates N] [--streams N] [--stream-rate R] [--stream-duration S]';
const POLL_MS = 2;
// A change not seen by then is counted as lost rather than stalling the run.
const GIVE_UP_MS = 5_000;
const CONNECTIONS = 50;
const THROUGHPUT_SECONDS = 10;
const WARMUP_SECONDS = 3;
// Small enough that the warm-up round requests every one of them, so the measured round only meets cached tickets.
const THROUGHPUT_TICKETS = 2_000;

interface Target {
  asset: number;
  ticket: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One target per contact that has a ticket: its newest active asset. Renaming it never changes the order,
 * so the new hostname is always among the two the ticket's widget shows.
 */
async function visibleTargets(url: string): Promise<Target[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query<Target>(
      `SELECT DISTINCT ON (a.contact_id) a.id AS asset, t.id AS ticket
       FROM assets a
       JOIN LATERAL (SELECT id FROM tickets WHERE contact_id = a.contact_id ORDER BY id LIMIT 1) t ON true
       WHERE a.status = 'active'
       ORDER BY a.contact_id, a.created_at DESC, a.id DESC`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

/**
 * Renames one target's asset through A, then asks B for that ticket's widget every POLL_MS until the new
 * hostname shows. The clock starts when A's response arrives: A answers only after the commit.
 */
async function propagation(a: string, b: string, token: string, targets: Target[], updates: number, tag: string) {
  const random = prng(20);
  const auth = { authorization: `Bearer ${token}` };
  const delays: number[] = [];
  const puts: number[] = [];
  let lost = 0;
  for (let i = 0; i < updates; i++) {
    const target = targets[random(targets.length)]!;
    const hostname = `PROP-${tag}-${i}`;
    const sent = performance.now();
    const put = await fetch(`${a}/api/assets/${target.asset}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ hostname }),
    });
    const committed = performance.now();
    puts.push(committed - sent);
    if (!put.ok) throw new Error(`PUT /api/assets/${target.asset} answered ${put.status}: ${await put.text()}`);
    await put.arrayBuffer();
    // The quoted value, not `"hostname":…`: the SQL fallback formats JSON with different spacing.
    const needle = JSON.stringify(hostname);
    for (;;) {
      const body = await (await fetch(`${b}/api/assets/widget/${target.ticket}`, { headers: auth })).text();
      const elapsed = performance.now() - committed;
      if (body.includes(needle)) {
        delays.push(elapsed);
        break;
      }
      if (elapsed > GIVE_UP_MS) {
        lost++;
        break;
      }
      await sleep(POLL_MS);
    }
  }
  const put = percentiles(puts);
  const { p50_ms, p99_ms, max_ms } = percentiles(delays);
  return {
    put_p50_ms: put.p50_ms,
    put_p99_ms: put.p99_ms,
    updates,
    seen: delays.length,
    lost,
    give_up_ms: GIVE_UP_MS,
    poll_interval_ms: POLL_MS,
    p50_ms,
    p99_ms,
    max_ms,
  };
}

/** Closed-loop widget throughput: `connections` clients each sending the next request as soon as one returns. */
async function throughput(b: string, token: string, tickets: number[]) {
  const auth = { authorization: `Bearer ${token}` };
  let next = 0;
  const run = (duration: number) =>
    autocannon({
      url: b,
      connections: CONNECTIONS,
      duration,
      headers: auth,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/assets/widget/${tickets[next++ % tickets.length]}` }) }],
    });
  const stats = async () =>
    (await (await fetch(`${b}/api/assets/cache/stats`, { headers: auth })).json()) as { hits: number; misses: number };
  await run(WARMUP_SECONDS);
  const before = await stats();
  const result = await run(THROUGHPUT_SECONDS);
  const after = await stats();
  return {
    connections: CONNECTIONS,
    duration_s: THROUGHPUT_SECONDS,
    tickets_in_rotation: tickets.length,
    requests: result.requests.total,
    req_per_s: round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    // Counted by B itself: a miss is a widget answered from SQL instead of the cache.
    cache_hits: after.hits - before.hits,
    cache_misses: after.misses - before.misses,
  };
}

/**
 * Live widget latency (issue 18), every subscriber on B (the default configuration): a write through B's own
 * API, one through A's (the other instance), and one by plain SQL (no instance is told).
 */
async function live(a: string, b: string, databaseUrl: string, token: string, targets: Target[], updates: number, tag: string) {
  const run = (name: string, commit: Parameters<typeof liveLatency>[0]['commit']) =>
    liveLatency({ subscribeAt: b, token, targets, updates, tag: `${tag}-${name}`, commit });
  const sameInstance = await run('b', commitViaApi(b, token));
  const acrossInstances = await run('a', commitViaApi(a, token));
  const sql = await commitViaSql(databaseUrl);
  try {
    const plainSql = await run('sql', sql.commit);
    return { same_instance_put_on_b: sameInstance, across_instances_put_on_a: acrossInstances, plain_sql: plainSql };
  } finally {
    await sql.end();
  }
}

/**
 * The change-feed benchmark (issue 4): two service processes on one database; how long a write through A
 * takes to show in B's widget (and A's PUT latency), then widget throughput on B (tickets cached) and on A
 * (CACHE_TICKETS=false: one SQL query per request), one after the other in the same run; then live widget
 * streams on B: change → event latency, and with `--streams N` the cost of N open streams.
 */
async function main() {
  const flags = parseFlags(
    { assets: 'int', updates: 'int', 'live-updates': 'int', streams: 'int', 'stream-rate': 'int', 'stream-duration': 'int' },
    USAGE,
  );
  const assets = flags.assets ?? 100_000;
  const updates = flags.updates ?? 1_000;
  const liveUpdates = flags['live-updates'] ?? 300;
  const config = loadConfig();
  const server = await resolveDatabase(config, createLogger('warn'));
  const resultsDir = projectPath('load-tests', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let report: Record<string, unknown> | undefined;
  try {
    const dataset = datasetFor(assets);
    const db = await ensureBenchDatabase(server.url, dataset);
    const targets = await visibleTargets(db.url);
    if (targets.length === 0) throw new Error('no contact has both a ticket and an active asset; seed more assets');
    const tickets = await ticketIds(db.url);
    const step = Math.max(1, Math.floor(tickets.length / THROUGHPUT_TICKETS));
    const rotation = tickets.filter((_, i) => i % step === 0).slice(0, THROUGHPUT_TICKETS);
    // A looks every ticket up in SQL (CACHE_TICKETS=false), B answers cached tickets wholly from its cache:
    // the same run then compares the widget with and without the ticket/contact cache.
    const start = (name: string, env: Record<string, string>) =>
      startServiceProcess({ databaseUrl: db.url, env, logFile: path.join(resultsDir, `bench-propagation-${stamp}-${name}.log`) });
    const starts = await Promise.allSettled([start('a', { CACHE_TICKETS: 'false' }), start('b', {})]);
    const running = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    try {
      if (failed) throw failed.reason;
      const [a, b] = running as [ServiceProcess, ServiceProcess];
      const propagated = await propagation(a.url, b.url, db.token, targets, updates, stamp);
      process.stderr.write(`propagation: ${JSON.stringify(propagated)}\n`);
      const widget = await throughput(b.url, db.token, rotation);
      const withoutTicketCache = await throughput(a.url, db.token, rotation);
      const liveStreams = liveUpdates > 0 ? await live(a.url, b.url, db.url, db.token, targets, liveUpdates, stamp) : null;
      process.stderr.write(`live: ${JSON.stringify(liveStreams)}\n`);
      const sql = flags.streams ? await commitViaSql(db.url) : null;
      const openStreams = sql
        ? await openStreamsCost({
            url: b.url,
            token: db.token,
            pid: b.child.pid,
            streams: flags.streams!,
            target: targets[0]!,
            commit: sql.commit,
            tag: stamp,
            tickets: rotation,
            rate: flags['stream-rate'] ?? 300,
            durationSec: flags['stream-duration'] ?? 10,
          }).finally(() => sql.end())
        : null;
      report = {
        when: new Date().toISOString(),
        command: `npm run bench:propagation -- ${process.argv.slice(2).join(' ')}`,
        dataset,
        seed_ms: db.seededMs,
        propagation_a_to_b: propagated,
        widget_throughput_on_b: widget,
        widget_throughput_on_a_without_ticket_cache: withoutTicketCache,
        ticket_cache_speedup: round(widget.req_per_s / withoutTicketCache.req_per_s),
        live_widget_on_b: liveStreams,
        open_streams_on_b: openStreams,
      };
    } finally {
      await Promise.all(running.map((svc) => svc.stop()));
    }
  } finally {
    await server.stop();
  }
  writeBenchReport(resultsDir, 'bench-propagation', stamp, report);
}

runBench(main);
