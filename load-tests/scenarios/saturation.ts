import { closedLoop } from '../lib/closed-loop';
import { roundMeter } from '../lib/round-meter';
import { isNoopBody, isWidgetBody, ticketPath, type LoadContext, type Measurement, type ScenarioResult } from '../lib/common';
import { round2 } from '../lib/percentiles';

export const SATURATION_CONNECTIONS = 50;

/**
 * Throughput at 50 connections (closed loop): the widget, and in the same run its two peers: the bare Koa
 * route (the ceiling this process and machine allow) and the widget answered purely from SQL (the no-cache
 * design). Each gets a warm-up round, then the measured round.
 */
export async function saturation(ctx: LoadContext): Promise<ScenarioResult> {
  const targets = [
    { target: 'GET /bench/noop (bare)', path: () => '/bench/noop', checkBody: isNoopBody, widget: false, headers: {} },
    { target: 'GET /api/assets/widget/:id', path: ticketPath('/api/assets/widget/', ctx.tickets), checkBody: isWidgetBody, widget: true, headers: ctx.auth },
    { target: 'GET /api/bench/widget-sql/:id (SQL only)', path: ticketPath('/api/bench/widget-sql/', ctx.tickets), checkBody: isWidgetBody, widget: false, headers: ctx.auth },
  ];
  const rows: Measurement[] = [];
  for (const t of targets) {
    const run = (durationSec: number) =>
      closedLoop({ scenario: 'saturation', url: ctx.url, connections: SATURATION_CONNECTIONS, durationSec, ...t });
    ctx.log(`saturation: ${t.target} warm-up ${ctx.warmupSec}s, then ${ctx.durationSec}s`);
    const warm = await run(ctx.warmupSec);
    if (warm.non2xx + warm.errors + warm.timeouts + warm.bad_bodies > 0) ctx.log(`  warm-up had failures: ${JSON.stringify(warm)}`);
    const meter = roundMeter(ctx.servicePid);
    const measured = await run(ctx.durationSec);
    measured.conditions = meter.stop();
    ctx.log(`  ${measured.rps} req/s, p50 ${measured.p50_ms} ms, p99 ${measured.p99_ms} ms, ${JSON.stringify(measured.conditions)}`);
    rows.push(measured);
  }
  const [bare, widget, sql] = rows as [Measurement, Measurement, Measurement];
  return {
    scenario: 'saturation',
    rows,
    figures: {
      widget_vs_bare_rps: round2(widget.rps / Math.max(1, bare.rps)),
      widget_vs_sql_rps: round2(widget.rps / Math.max(1, sql.rps)),
    },
    notes: [],
  };
}
