import { pacedLoad } from '../lib/paced-load';
import { roundMeter } from '../lib/round-meter';
import { compareWithSql, isWidgetBody, ticketPath, type LoadContext, type Measurement, type ScenarioResult } from '../lib/common';
import { pacedRow } from './fixed-rate';
import { Writer } from '../lib/writer';

export const MIXED_RATE = 1000;
export const WRITE_SHARE = 0.05;

/**
 * 95 % widget reads and 5 % asset writes (create / update hostname / retire, rotating) at a fixed offered
 * 1,000 req/s, both open loop: reads with paced-load.ts, writes with Writer. Every response is checked. Then the
 * widget's answer for every contact the writes touched is compared with SQL's: the cache must have followed.
 */
export async function mixed(ctx: LoadContext): Promise<ScenarioResult> {
  const writeRate = Math.round(MIXED_RATE * WRITE_SHARE);
  const readRate = MIXED_RATE - writeRate;
  const writer = new Writer(ctx);
  const round = async (durationSec: number) => {
    const [reads] = await Promise.all([
      pacedLoad({
        url: ctx.url,
        rate: readRate,
        durationSec,
        headers: ctx.auth,
        path: ticketPath('/api/assets/widget/', ctx.tickets),
        checkBody: isWidgetBody,
      }),
      writer.run(writeRate, durationSec),
    ]);
    return reads;
  };
  ctx.log(`mixed: ${readRate} widget reads/s + ${writeRate} writes/s, warm-up ${ctx.warmupSec}s, then ${ctx.durationSec}s`);
  await round(ctx.warmupSec);
  const meter = roundMeter(ctx.servicePid);
  const reads = await round(ctx.durationSec);
  const rows: Measurement[] = [{ ...pacedRow('mixed', 'GET /api/assets/widget/:id (95 %)', reads, true), conditions: meter.stop() }, ...writer.rows('mixed')];

  const touchedTickets = [...writer.touched].map((t) => t.ticketId);
  const differing = await compareWithSql(ctx, touchedTickets);
  rows.push({
    scenario: 'mixed',
    target: `widget = SQL for the ${touchedTickets.length} written contacts`,
    load: 'check',
    requests: touchedTickets.length,
    rps: 0,
    p50_ms: 0,
    p90_ms: 0,
    p99_ms: 0,
    max_ms: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    bad_bodies: differing.length,
    widget: false,
  });
  for (const row of rows) ctx.log(`  ${row.target}: ${row.requests} requests, p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms`);
  const notes = differing.length > 0 ? [`widget differs from SQL for tickets ${differing.slice(0, 20).join(', ')}`] : [];
  return { scenario: 'mixed', rows, figures: {}, notes };
}
