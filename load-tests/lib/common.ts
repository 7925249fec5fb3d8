import { isDeepStrictEqual } from 'node:util';
import type { LoadResult } from './load-result';
import type { RoundConditions } from './round-meter';

/** One measured round against one route, as a row of the load report. */
export interface Measurement extends LoadResult {
  scenario: string;
  target: string;
  /** Widget rows are held to the widget p99 limit; peers and writes are not. */
  widget: boolean;
  /** Who used the CPU during the measured round, and the generator's longest stall (null: no /proc). */
  conditions?: RoundConditions | null;
}

export interface ScenarioResult {
  scenario: string;
  rows: Measurement[];
  /** Named figures the thresholds look at (ratios, refresh p99, …). */
  figures: Record<string, number>;
  notes: string[];
}

export interface WriteTarget {
  ticketId: number;
  contactId: number;
  clientId: number;
}

export interface LoadContext {
  url: string;
  /** The bench admin's bearer header. */
  auth: Record<string, string>;
  tickets: number[];
  writeTargets: WriteTarget[];
  durationSec: number;
  warmupSec: number;
  /** Unique per run; prefixes the hostnames the mixed scenario creates (removed at the end). */
  runTag: string;
  /** The service's pid, for the CPU shares of each round. */
  servicePid: number | undefined;
  log(message: string): void;
}

export const HOSTNAME_PREFIX = 'LOADTEST-';

/**
 * A widget body as the service sends it: the cache's and SQL's text both start with `{"assets":[` and carry
 * `total_assets` and `contact_name`. Cheap string checks only, so checking every response costs the load
 * generator (which shares the two cores with the service) next to nothing.
 */
export const isWidgetBody = (body: string): boolean =>
  body.startsWith('{"assets":[') && body.endsWith('}') && body.includes('"total_assets":') && body.includes('"contact_name":');

export const isNoopBody = (body: string): boolean => body === '{"ok":true}';

/** Request i's ticket: a stride that is prime to any dataset size we use, so every ticket is asked for. */
export const ticketPath = (prefix: string, tickets: number[]) => (i: number) => `${prefix}${tickets[(i * 7919) % tickets.length]}`;

/**
 * Asks the widget and its SQL-only peer for the same tickets and compares the parsed answers: the cache must
 * say what SQL says. Returns the tickets whose answers differ (or failed).
 */
export async function compareWithSql(ctx: LoadContext, ticketIds: number[]): Promise<number[]> {
  const differing: number[] = [];
  const get = async (path: string) => {
    const res = await fetch(`${ctx.url}${path}`, { headers: ctx.auth });
    return { status: res.status, text: await res.text() };
  };
  for (const id of ticketIds) {
    const [cached, sql] = await Promise.all([get(`/api/assets/widget/${id}`), get(`/api/bench/widget-sql/${id}`)]);
    const same =
      cached.status === 200 &&
      sql.status === 200 &&
      isWidgetBody(cached.text) &&
      isDeepStrictEqual(JSON.parse(cached.text), JSON.parse(sql.text));
    if (!same) differing.push(id);
  }
  return differing;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
