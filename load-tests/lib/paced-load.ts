import http from 'node:http';

export interface PacedResult {
  offered_rps: number;
  sent: number;
  completed: number;
  achieved_rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  bad_bodies: number;
}

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

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * An open-loop load generator: request i is due at start + i / rate whatever happened to earlier ones, and
 * its latency is counted from that due time. autocannon's rate option instead lets each connection fire
 * its whole per-second quota back to back, so its fixed-rate latencies measure its own bursts; and a
 * closed loop that waits for answers hides a stall (coordinated omission). This is the fixed-rate meter.
 */
export async function pacedLoad(options: PacedOptions): Promise<PacedResult> {
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
  const sorted = latencies.slice(0, result.completed).sort();
  return {
    offered_rps: options.rate,
    ...result,
    achieved_rps: round(result.completed / elapsed),
    p50_ms: round(percentile(sorted, 50)),
    p90_ms: round(percentile(sorted, 90)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(percentile(sorted, 100)),
  };
}
