import http from 'node:http';
import type { LoadResult } from './load-result';
import { percentiles } from './percentiles';

export interface PacedOptions {
  url: string;
  rate: number;
  durationSec: number;
  headers?: Record<string, string>;
  path: (i: number) => string;
  /** Returns false for a 2xx body that is wrong; counted in `bad_bodies`. */
  checkBody?: (body: string, path: string) => boolean;
  timeoutMs?: number;
  maxSockets?: number;
}

/**
 * An open-loop load generator: request i is due at start + i / rate whatever happened to earlier ones, and
 * its latency is counted from that due time. autocannon's rate option instead lets each connection fire
 * its whole per-second quota back to back, so its fixed-rate latencies measure its own bursts; and a
 * closed loop that waits for answers hides a stall (coordinated omission). This is the fixed-rate meter.
 */
export async function pacedLoad(options: PacedOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const base = new URL(options.url);
  const total = Math.round(options.rate * options.durationSec);
  const latencies = new Float64Array(total);
  const result = { sent: 0, completed: 0, non2xx: 0, errors: 0, timeouts: 0, bad_bodies: 0 };
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();

  const fire = (i: number) => {
    const due = start + (i * 1000) / options.rate;
    const path = options.path(i);
    const done = new Promise<void>((resolve) => {
      const req = http.request(
        { host: base.hostname, port: base.port, path, method: 'GET', agent, headers: options.headers, timeout: options.timeoutMs ?? 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            latencies[result.completed++] = performance.now() - due;
            const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
            if (!ok) result.non2xx++;
            else if (options.checkBody && !options.checkBody(Buffer.concat(chunks).toString('utf8'), path)) result.bad_bodies++;
            resolve();
          });
        },
      );
      req.on('timeout', () => {
        result.timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        result.errors++;
        resolve();
      });
      req.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  while (result.sent < total) {
    const dueCount = Math.min(total, Math.floor(((performance.now() - start) * options.rate) / 1000) + 1);
    while (result.sent < dueCount) fire(result.sent++);
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  agent.destroy();
  const elapsed = (performance.now() - start) / 1000;
  return {
    load: `${options.rate} req/s`,
    requests: result.completed,
    rps: Math.round(result.completed / elapsed),
    ...percentiles(latencies.subarray(0, result.completed)),
    non2xx: result.non2xx,
    // A timed-out request is destroyed with an error, which counted it in `errors` as well.
    errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    bad_bodies: result.bad_bodies,
  };
}
