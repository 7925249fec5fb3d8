import type { LoadResult } from '../lib/load-result';
import { pacedLoad } from '../lib/paced-load';
import { roundMeter } from '../lib/round-meter';
import { isNoopBody, isWidgetBody, ticketPath, type LoadContext, type Measurement, type ScenarioResult } from '../lib/common';
import { round2 } from '../lib/percentiles';

export const FIXED_RATE = 2000;

/** A paced (open-loop) result as a table row. */
export function pacedRow(scenario: string, target: string, r: LoadResult, widget: boolean): Measurement {
  return { scenario, target, ...r, widget };
}

/**
 * Latency at a fixed offered rate with the open-loop meter (paced-load.ts): the widget and the bare route each
 * at 2,000 req/s, latency counted from each request's due time, so a stall is not hidden by waiting for it.
 */
export async function fixedRate(ctx: LoadContext): Promise<ScenarioResult> {
  const targets = [
    { target: 'GET /bench/noop (bare)', path: () => '/bench/noop', checkBody: isNoopBody, widget: false, headers: {} },
    { target: 'GET /api/assets/widget/:id', path: ticketPath('/api/assets/widget/', ctx.tickets), checkBody: isWidgetBody, widget: true, headers: ctx.auth },
  ];
  const rows: Measurement[] = [];
  for (const t of targets) {
    const run = (durationSec: number) =>
      pacedLoad({ url: ctx.url, rate: FIXED_RATE, durationSec, headers: t.headers, path: t.path, checkBody: t.checkBody });
    ctx.log(`fixed-rate: ${t.target} at ${FIXED_RATE} req/s, warm-up ${ctx.warmupSec}s, then ${ctx.durationSec}s`);
    await run(ctx.warmupSec);
    const meter = roundMeter(ctx.servicePid);
    const row = pacedRow('fixed-rate', t.target, await run(ctx.durationSec), t.widget);
    row.conditions = meter.stop();
    ctx.log(`  p50 ${row.p50_ms} ms, p90 ${row.p90_ms} ms, p99 ${row.p99_ms} ms, max ${row.max_ms} ms, ${JSON.stringify(row.conditions)}`);
    rows.push(row);
  }
  const [bare, widget] = rows as [Measurement, Measurement];
  return {
    scenario: 'fixed-rate',
    rows,
    figures: { widget_vs_bare_p99: round2(widget.p99_ms / Math.max(0.01, bare.p99_ms)) },
    notes: [],
  };
}
