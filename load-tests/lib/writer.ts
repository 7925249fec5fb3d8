import http from 'node:http';
import { percentiles } from './percentiles';
import { HOSTNAME_PREFIX, type LoadContext, type Measurement, type WriteTarget } from './common';

type Op = 'create' | 'update' | 'retire';

interface Asset {
  id: number;
  hostname: string;
  client_id: number;
  contact_id: number | null;
  status: string;
  retired_at: string | null;
}

interface OpStats {
  latencies: number[];
  non2xx: number;
  errors: number;
  timeouts: number;
  bad: number;
}

const TARGET_NAMES: Record<Op, string> = {
  create: 'POST /api/assets (create)',
  update: 'PUT /api/assets/:id (hostname)',
  retire: 'DELETE /api/assets/:id (retire)',
};

const parse = (text: string): Asset | undefined => {
  try {
    return JSON.parse(text) as Asset;
  } catch {
    return undefined;
  }
};

/**
 * Open-loop asset writes at a fixed rate, rotating create → update hostname → retire. Each write works on an
 * asset this run created (never on seeded rows, so the bench dataset stays as seeded and every run starts the
 * same); every answer is checked against what was sent. Touched contacts are remembered for a cache-vs-SQL
 * check afterwards.
 */
export class Writer {
  private readonly created: Asset[] = [];
  private readonly updated: Asset[] = [];
  private readonly stats = new Map<Op, OpStats>();
  private made = 0;
  readonly touched = new Set<WriteTarget>();

  constructor(private readonly ctx: LoadContext) {}

  async run(rate: number, durationSec: number): Promise<void> {
    this.stats.clear();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const total = Math.round(rate * durationSec);
    const inFlight = new Set<Promise<void>>();
    const start = performance.now();
    for (let sent = 0; sent < total; ) {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const done = this.fire(agent, sent, start + (sent * 1000) / rate);
        inFlight.add(done);
        void done.then(() => inFlight.delete(done));
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(inFlight);
    agent.destroy();
  }

  rows(scenario: string): Measurement[] {
    return [...this.stats.entries()].map(([op, s]) => ({
      scenario,
      target: TARGET_NAMES[op],
      load: 'paced',
      requests: s.latencies.length,
      rps: 0,
      ...percentiles(s.latencies),
      non2xx: s.non2xx,
      errors: s.errors,
      timeouts: s.timeouts,
      bad_bodies: s.bad,
      widget: false,
    }));
  }

  private fire(agent: http.Agent, i: number, due: number): Promise<void> {
    const wanted: Op = (['create', 'update', 'retire'] as const)[i % 3]!;
    const op: Op = wanted === 'update' && this.created.length > 0 ? 'update' : wanted === 'retire' && this.updated.length > 0 ? 'retire' : 'create';
    const stats = this.stats.get(op) ?? { latencies: [], non2xx: 0, errors: 0, timeouts: 0, bad: 0 };
    this.stats.set(op, stats);
    const n = this.made++;
    let method: string;
    let path: string;
    let body: string | undefined;
    let check: (status: number, asset: Asset | undefined) => boolean;
    if (op === 'create') {
      const target = this.ctx.writeTargets[n % this.ctx.writeTargets.length]!;
      this.touched.add(target);
      const hostname = `${HOSTNAME_PREFIX}${this.ctx.runTag}-${n}`;
      method = 'POST';
      path = '/api/assets';
      body = JSON.stringify({
        hostname, client_id: target.clientId, contact_id: target.contactId, manufacturer: 'Dell', model: 'Latitude 5440',
        serial_number: `LT${n}`, in_service_date: '2026-01-01', warranty_expiration_date: '2029-01-01', status: 'active',
      });
      check = (status, a) => {
        const ok = status === 201 && !!a && Number.isInteger(a.id) && a.hostname === hostname && a.status === 'active' &&
          a.client_id === target.clientId && a.contact_id === target.contactId;
        if (ok) this.created.push(a!);
        return ok;
      };
    } else if (op === 'update') {
      const asset = this.created.shift()!;
      const hostname = `${asset.hostname}-U`;
      method = 'PUT';
      path = `/api/assets/${asset.id}`;
      body = JSON.stringify({ hostname });
      check = (status, a) => {
        const ok = status === 200 && !!a && a.id === asset.id && a.hostname === hostname && a.status === 'active';
        if (ok) this.updated.push(a!);
        return ok;
      };
    } else {
      const asset = this.updated.shift()!;
      method = 'DELETE';
      path = `/api/assets/${asset.id}`;
      check = (status, a) => status === 200 && !!a && a.id === asset.id && a.status === 'retired' && typeof a.retired_at === 'string';
    }
    const base = new URL(this.ctx.url);
    const headers: Record<string, string> = { ...this.ctx.auth };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    return new Promise<void>((resolve) => {
      const req = http.request({ host: base.hostname, port: base.port, path, method, agent, headers, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          stats.latencies.push(performance.now() - due);
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) stats.non2xx++;
          if (!check(status, parse(Buffer.concat(chunks).toString('utf8'))) && status >= 200 && status < 300) stats.bad++;
          resolve();
        });
      });
      req.on('timeout', () => {
        stats.timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', (err) => {
        if (err.message !== 'timeout') stats.errors++;
        resolve();
      });
      req.end(body);
    });
  }
}
