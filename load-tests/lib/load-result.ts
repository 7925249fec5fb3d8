import type { Percentiles } from './percentiles';

/**
 * What one measured round of requests gives, from either meter: the open loop (paced-load.ts, a fixed offered
 * rate) or the closed loop (closed-loop.ts, N connections each sending the next request on an answer).
 */
export interface LoadResult extends Percentiles {
  /** `50 conn` for a closed loop, `2000 req/s` for an open loop. */
  load: string;
  /** Answered requests. */
  requests: number;
  /** Answered requests per second of the round. */
  rps: number;
  non2xx: number;
  /** Failed requests other than timeouts. */
  errors: number;
  timeouts: number;
  /** 2xx answers whose body the round's check refused. */
  bad_bodies: number;
}
