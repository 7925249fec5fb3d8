import { closedLoop } from '../lib/closed-loop';
import { roundMeter } from '../lib/round-meter';
import { isWidgetBody, ticketPath, type LoadContext, type Measurement, type ScenarioResult } from '../lib/common';
import { round2 } from '../lib/percentiles';
import { SATURATION_CONNECTIONS } from './saturation';

export const BULK_BATCH = 50;

const isBulkBody = (body: string): boolean => body.startsWith('{"widgets":{') && body.endsWith(']}') && body.includes('"not_found":[');

/**
 * Widgets per second through the bulk route (50 tickets a request) against the single-ticket route, in the
 * same run at the same concurrency: what a ticket-list page gains by asking once instead of 50 times.
 */
export async function bulk(ctx: LoadContext): Promise<ScenarioResult> {
  const single = ticketPath('/api/assets/widget/', ctx.tickets);
  const batch = (i: number) => {
    const ids = Array.from({ length: BULK_BATCH }, (_, k) => ctx.tickets[((i * BULK_BATCH + k) * 7919) % ctx.tickets.length]);
    return `/api/assets/widget?ticket_ids=${ids.join(',')}`;
  };
  const targets = [
    { target: 'GET /api/assets/widget/:id (one ticket)', path: single, checkBody: isWidgetBody, widget: true },
    { target: `GET /api/assets/widget?ticket_ids= (${BULK_BATCH} tickets)`, path: batch, checkBody: isBulkBody, widget: false },
  ];
  const rows: Measurement[] = [];
  for (const t of targets) {
    const run = (durationSec: number) =>
      closedLoop({ scenario: 'bulk', url: ctx.url, connections: SATURATION_CONNECTIONS, durationSec, headers: ctx.auth, ...t });
    ctx.log(`bulk: ${t.target} warm-up ${ctx.warmupSec}s, then ${ctx.durationSec}s`);
    await run(ctx.warmupSec);
    const meter = roundMeter(ctx.servicePid);
    const measured = await run(ctx.durationSec);
    measured.conditions = meter.stop();
    ctx.log(`  ${measured.rps} req/s, p50 ${measured.p50_ms} ms, p99 ${measured.p99_ms} ms`);
    rows.push(measured);
  }
  const [one, many] = rows as [Measurement, Measurement];
  const widgetsPerSecond = many.rps * BULK_BATCH;
  return {
    scenario: 'bulk',
    rows,
    figures: { bulk_widgets_per_s: Math.round(widgetsPerSecond), single_widgets_per_s: Math.round(one.rps), bulk_vs_single_widgets_per_s: round2(widgetsPerSecond / Math.max(1, one.rps)) },
    notes: [`${BULK_BATCH} tickets per bulk request; widgets/s = requests/s × ${BULK_BATCH}`],
  };
}
