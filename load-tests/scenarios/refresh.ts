import { pacedLoad } from '../lib/paced-load';
import { roundMeter } from '../lib/round-meter';
import { isWidgetBody, ticketPath, type LoadContext, type Measurement, type ScenarioResult } from '../lib/common';
import { pacedRow } from './fixed-rate';

export const REFRESH_RATE = 300;

interface RefreshOutcome {
  status: number;
  ok: boolean;
  wall_ms: number;
  duration_ms: number | null;
  cache_size: number | null;
  finished_at_s: number;
}

/**
 * The widget at a fixed 300 req/s (open loop) while a full cache rebuild (`POST /api/assets/cache/refresh`) is
 * triggered a third of the way into the measured round: the rebuild must not show in the widget's latency.
 */
export async function refresh(ctx: LoadContext): Promise<ScenarioResult> {
  const load = (durationSec: number) =>
    pacedLoad({
      url: ctx.url,
      rate: REFRESH_RATE,
      durationSec,
      headers: ctx.auth,
      path: ticketPath('/api/assets/widget/', ctx.tickets),
      checkBody: isWidgetBody,
    });
  ctx.log(`refresh: widget at ${REFRESH_RATE} req/s, warm-up ${ctx.warmupSec}s, then ${ctx.durationSec}s with a full refresh at ${(ctx.durationSec / 3).toFixed(1)}s`);
  await load(ctx.warmupSec);

  const started = performance.now();
  const meter = roundMeter(ctx.servicePid);
  let outcome: Promise<RefreshOutcome> | undefined;
  const timer = setTimeout(() => {
    const t0 = performance.now();
    outcome = fetch(`${ctx.url}/api/assets/cache/refresh`, { method: 'POST', headers: ctx.auth }).then(
      async (res) => {
        const body = (await res.json().catch(() => ({}))) as { duration_ms?: unknown; cache_size?: unknown };
        const ok = res.status === 200 && typeof body.duration_ms === 'number' && typeof body.cache_size === 'number' && body.cache_size > 0;
        const finished = performance.now();
        return {
          status: res.status,
          ok,
          wall_ms: Math.round(finished - t0),
          duration_ms: typeof body.duration_ms === 'number' ? body.duration_ms : null,
          cache_size: typeof body.cache_size === 'number' ? body.cache_size : null,
          finished_at_s: Math.round((finished - started) / 100) / 10,
        };
      },
      () => ({ status: 0, ok: false, wall_ms: Math.round(performance.now() - t0), duration_ms: null, cache_size: null, finished_at_s: -1 }),
    );
  }, (ctx.durationSec * 1000) / 3);
  const result = await load(ctx.durationSec);
  clearTimeout(timer);
  const refreshed: RefreshOutcome = outcome
    ? await outcome
    : { status: 0, ok: false, wall_ms: 0, duration_ms: null, cache_size: null, finished_at_s: -1 };

  const widget = pacedRow('refresh', 'GET /api/assets/widget/:id during refresh', result, true);
  widget.conditions = meter.stop();
  const refreshRow: Measurement = {
    scenario: 'refresh',
    target: 'POST /api/assets/cache/refresh',
    load: 'once at 1/3',
    requests: 1,
    rps: 0,
    p50_ms: refreshed.wall_ms,
    p90_ms: refreshed.wall_ms,
    p99_ms: refreshed.wall_ms,
    max_ms: refreshed.wall_ms,
    non2xx: refreshed.status !== 0 && (refreshed.status < 200 || refreshed.status >= 300) ? 1 : 0,
    errors: refreshed.status === 0 ? 1 : 0,
    timeouts: 0,
    bad_bodies: refreshed.status === 200 && !refreshed.ok ? 1 : 0,
    widget: false,
  };
  ctx.log(`  widget p50 ${widget.p50_ms} ms, p99 ${widget.p99_ms} ms, max ${widget.max_ms} ms; refresh ${JSON.stringify(refreshed)}`);
  const notes = [
    `full refresh: HTTP ${refreshed.status}, ${refreshed.cache_size ?? '?'} assets, rebuild ${refreshed.duration_ms ?? '?'} ms ` +
      `(request ${refreshed.wall_ms} ms), finished ${refreshed.finished_at_s} s into the ${ctx.durationSec} s round`,
  ];
  if (refreshed.finished_at_s > ctx.durationSec) notes.push('the refresh outlasted the measured round: lengthen --duration to cover it');
  return {
    scenario: 'refresh',
    rows: [widget, refreshRow],
    figures: { refresh_widget_p99_ms: widget.p99_ms, refresh_duration_ms: refreshed.duration_ms ?? -1 },
    notes,
  };
}
