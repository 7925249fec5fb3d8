import fs from 'node:fs';
import { projectPath } from '../../src/paths';
import type { Measurement, ScenarioResult } from './common';

export interface Thresholds {
  /** Non-2xx + errors + timeouts + bad bodies allowed over the whole run. */
  max_failures: number;
  widget_p99_ms_max: number;
  saturation_widget_vs_bare_rps_min: number;
  saturation_widget_vs_sql_rps_min: number;
  fixed_rate_widget_vs_bare_p99_max: number;
  bulk_vs_single_widgets_per_s_min: number;
  refresh_widget_p99_ms_max: number;
}

export interface Check {
  check: string;
  measured: number;
  threshold: string;
  pass: boolean;
}

const KEYS: (keyof Thresholds)[] = [
  'max_failures',
  'widget_p99_ms_max',
  'saturation_widget_vs_bare_rps_min',
  'saturation_widget_vs_sql_rps_min',
  'fixed_rate_widget_vs_bare_p99_max',
  'bulk_vs_single_widgets_per_s_min',
  'refresh_widget_p99_ms_max',
];

/** The `full` or `smoke` set of load-tests/thresholds.json; every key must be there and be a number. */
export function loadThresholds(set: 'full' | 'smoke'): Thresholds {
  const file = projectPath('load-tests', 'thresholds.json');
  const all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, unknown> | undefined>;
  const chosen = all[set];
  const missing = KEYS.filter((k) => typeof chosen?.[k] !== 'number');
  if (!chosen || missing.length > 0) throw new Error(`${file}: "${set}" lacks numeric ${missing.join(', ')}`);
  return Object.fromEntries(KEYS.map((k) => [k, chosen[k]])) as unknown as Thresholds;
}

const failuresOf = (r: Measurement) => r.non2xx + r.errors + r.timeouts + r.bad_bodies;

export function evaluate(results: ScenarioResult[], t: Thresholds): Check[] {
  const rows = results.flatMap((s) => s.rows);
  const checks: Check[] = [];
  const failures = rows.reduce((sum, r) => sum + failuresOf(r), 0);
  checks.push({ check: 'non-2xx + errors + timeouts + bad bodies (all rows)', measured: failures, threshold: `≤ ${t.max_failures}`, pass: failures <= t.max_failures });
  for (const r of rows.filter((x) => x.widget)) {
    checks.push({ check: `${r.scenario}: widget p99 ms`, measured: r.p99_ms, threshold: `≤ ${t.widget_p99_ms_max}`, pass: r.p99_ms <= t.widget_p99_ms_max });
  }
  const figure = (scenario: string, name: string) => results.find((s) => s.scenario === scenario)?.figures[name];
  const atLeast = (label: string, value: number | undefined, min: number) =>
    value !== undefined && checks.push({ check: label, measured: value, threshold: `≥ ${min}`, pass: value >= min });
  const atMost = (label: string, value: number | undefined, max: number) =>
    value !== undefined && checks.push({ check: label, measured: value, threshold: `≤ ${max}`, pass: value <= max });
  atLeast('saturation: widget req/s ÷ bare req/s', figure('saturation', 'widget_vs_bare_rps'), t.saturation_widget_vs_bare_rps_min);
  atLeast('saturation: widget req/s ÷ SQL-only req/s', figure('saturation', 'widget_vs_sql_rps'), t.saturation_widget_vs_sql_rps_min);
  atMost('fixed-rate: widget p99 ÷ bare p99', figure('fixed-rate', 'widget_vs_bare_p99'), t.fixed_rate_widget_vs_bare_p99_max);
  atLeast('bulk: widgets/s in 50-ticket batches ÷ single-ticket widgets/s', figure('bulk', 'bulk_vs_single_widgets_per_s'), t.bulk_vs_single_widgets_per_s_min);
  atMost('refresh: widget p99 ms during a full refresh', figure('refresh', 'refresh_widget_p99_ms'), t.refresh_widget_p99_ms_max);
  return checks;
}

/** Rounds where our PostgreSQL has next to nothing to do (no SQL on these routes), so its CPU is someone else's. */
const QUIET_DATABASE_SCENARIOS = new Set(['saturation', 'fixed-rate']);
const NOISY_OTHER_PCT = 25;
const GENERATOR_STALL_MS = 50;

const cpuCell = ({ conditions: c }: Measurement) => (c ? `${c.service} / ${c.generator} / ${c.postgres} / ${c.kernel} / ${c.other}` : '');

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2));

export function markdown(header: string[], results: ScenarioResult[], checks: Check[]): string {
  const lines = [...header, ''];
  lines.push('| scenario | route | load | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors | timeouts | bad bodies | CPU % service / generator / postgres / kernel / other | generator stall ms |');
  lines.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
  for (const r of results.flatMap((s) => s.rows)) {
    const rps = r.rps > 0 ? fmt(r.rps) : '';
    const lat = r.load === 'check' ? ['', '', '', ''] : [r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms].map(fmt);
    lines.push(`| ${r.scenario} | ${r.target} | ${r.load} | ${fmt(r.requests)} | ${rps} | ${lat.join(' | ')} | ${r.non2xx} | ${r.errors} | ${r.timeouts} | ${r.bad_bodies} | ${cpuCell(r)} | ${r.conditions?.generator_stall_ms ?? ''} |`);
  }
  lines.push('', '| check | measured | threshold | result |', '| --- | ---: | --- | --- |');
  for (const c of checks) lines.push(`| ${c.check} | ${fmt(c.measured)} | ${c.threshold} | ${c.pass ? 'pass' : '**FAIL**'} |`);
  const notes = results.flatMap((s) => s.notes.map((n) => `- ${s.scenario}: ${n}`));
  for (const r of results.flatMap((s) => s.rows)) {
    const c = r.conditions;
    if (!c) continue;
    const foreign = c.other + (QUIET_DATABASE_SCENARIOS.has(r.scenario) && !r.target.includes('SQL') ? c.postgres : 0);
    if (foreign > NOISY_OTHER_PCT) {
      notes.push(`- ${r.scenario}, ${r.target}: other processes used ${foreign} % of a core during the round: the machine was busy, figures are skewed, rerun`);
    }
    if (c.generator_stall_ms > GENERATOR_STALL_MS) {
      notes.push(`- ${r.scenario}, ${r.target}: the load generator itself stalled ${c.generator_stall_ms} ms; latencies include that stall`);
    }
  }
  if (notes.length > 0) lines.push('', ...notes);
  return `${lines.join('\n')}\n`;
}
