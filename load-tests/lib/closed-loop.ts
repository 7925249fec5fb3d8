import autocannon from 'autocannon';
import type { Measurement } from './common';
import { percentiles } from './percentiles';

export interface ClosedLoopOptions {
  scenario: string;
  target: string;
  url: string;
  connections: number;
  durationSec: number;
  headers?: Record<string, string>;
  /** Request i's path; called once per request from a counter shared by every connection. */
  path: (i: number) => string;
  /** Returns false for a wrong 2xx body (counted in `bad_bodies`). */
  checkBody: (body: string) => boolean;
  widget: boolean;
}

/**
 * A closed loop at a fixed number of connections (autocannon's programmatic API): the saturation meter.
 * Every request gets its own path (setupRequest), every response body is checked (onResponse), and latencies
 * are taken from autocannon's per-response event as exact floats rather than its integer-ms histogram.
 */
export async function closedLoop(options: ClosedLoopOptions): Promise<Measurement> {
  let next = 0;
  let badBodies = 0;
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSec,
        timeout: 10,
        headers: options.headers ?? {},
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => ({ ...request, path: options.path(next++) }),
            onResponse: (status, body) => {
              if (status >= 200 && status < 300 && !options.checkBody(body)) badBodies++;
            },
          },
        ],
      },
      (err: unknown, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
  return {
    scenario: options.scenario,
    target: options.target,
    load: `${options.connections} conn`,
    requests: latencies.length,
    rps: Math.round(latencies.length / result.duration),
    ...percentiles(latencies),
    non2xx: result.non2xx,
    errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    bad_bodies: badBodies,
    widget: options.widget,
  };
}

