import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { resolveDatabase } from '../src/db/resolve-database';
import { createLogger } from '../src/logger';
import { projectPath } from '../src/paths';
import { parseFlags } from './lib/args';
import { datasetFor, ensureBenchDatabase, ticketIds } from './lib/bench-database';
import { pacedLoad } from './lib/paced-load';
import { rssBytes } from './lib/rss';
import { startServiceProcess } from './lib/service-process';

const USAGE = 'usage: npm run soak -- [--minutes 10] [--rate 300] [--assets 100000] [--refresh-every 60]';

/**
 * The soak (issue 8; not in CI): minutes of widget reads at a fixed rate with a write every 20th request,
 * and a full cache refresh every `--refresh-every` seconds. Reports per minute: p99, errors and the
 * service's RSS, so a leak or a slow drift shows as a trend.
 */
async function main() {
  const flags = parseFlags({ minutes: 'int', rate: 'int', assets: 'int', 'refresh-every': 'int' }, USAGE);
  const minutes = flags.minutes ?? 10;
  const rate = flags.rate ?? 300;
  const refreshEvery = flags['refresh-every'] ?? 60;
  const server = await resolveDatabase(loadConfig(), createLogger('warn'));
  const resultsDir = projectPath('load-tests', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  try {
    const db = await ensureBenchDatabase(server.url, datasetFor(flags.assets ?? 100_000));
    const tickets = await ticketIds(db.url);
    const svc = await startServiceProcess({ databaseUrl: db.url, logFile: path.join(resultsDir, `soak-${stamp}.log`) });
    const auth = { authorization: `Bearer ${db.token}` };
    const pid = svc.child.pid!;
    const rssStart = rssBytes(pid);
    let refreshes = 0;
    let refreshFailures = 0;
    const refresher = setInterval(() => {
      void fetch(`${svc.url}/api/assets/cache/refresh`, { method: 'POST', headers: auth }).then((r) => (r.ok ? refreshes++ : refreshFailures++));
    }, refreshEvery * 1000);
    const perMinute = [];
    let writes = 0;
    let writeErrors = 0;
    for (let minute = 1; minute <= minutes; minute++) {
      // Writes ride alongside the reads: one hostname-free edit (model) per 20 reads' worth of time.
      let writing = true;
      const writer = (async () => {
        for (let w = 0; writing; w++) {
          const res = await fetch(`${svc.url}/api/assets/${1 + ((minute * 104_729 + w) % 50_000)}`, {
            method: 'PUT',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ model: `SOAK-${minute}-${w}` }),
          });
          if (res.ok || res.status === 404) writes++;
          else writeErrors++;
          await res.arrayBuffer();
          await new Promise((r) => setTimeout(r, 20_000 / rate));
        }
      })();
      const round = await pacedLoad({
        url: svc.url,
        rate,
        durationSec: 60,
        headers: auth,
        path: (i) => `/api/assets/widget/${tickets[(i * 7919 + minute) % tickets.length]}`,
        checkBody: (body) => body.startsWith('{"assets":['),
      });
      writing = false;
      await writer;
      const line = { minute, p50_ms: round.p50_ms, p99_ms: round.p99_ms, max_ms: round.max_ms, errors: round.errors + round.non2xx + round.timeouts + round.bad_bodies, rss_mb: Math.round(rssBytes(pid) / 1048576) };
      perMinute.push(line);
      process.stderr.write(`${JSON.stringify(line)}\n`);
    }
    clearInterval(refresher);
    const rssEnd = rssBytes(pid);
    await svc.stop();
    const report = {
      when: new Date().toISOString(),
      command: `npm run soak -- ${process.argv.slice(2).join(' ')}`,
      rate,
      minutes,
      rss_start_mb: Math.round(rssStart / 1048576),
      rss_end_mb: Math.round(rssEnd / 1048576),
      total_errors: perMinute.reduce((sum, m) => sum + m.errors, 0),
      writes,
      write_errors: writeErrors,
      refreshes,
      refresh_failures: refreshFailures,
      per_minute: perMinute,
    };
    const file = path.join(resultsDir, `soak-${stamp}.json`);
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\nwritten to ${file}\n`);
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
