import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('GET /metrics', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.stop());

  it('scrapes without auth: HTTP durations by route template, cache counters, process defaults', async () => {
    const client = (await makeClient(t.db.pool)).id;
    const contact = await makeContact(t.db.pool, client);
    const ticket = (await makeTicket(t.db.pool, client, contact.id)).id;
    for (let i = 0; i < 3; i++) await t.call(`/api/assets/widget/${ticket}`, { token: t.techToken });
    const before = await fetch(`${t.url}/metrics`);
    expect(before.status).toBe(200);
    expect(before.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await before.text();
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/api/assets/widget/:ticketId",status_class="2xx"} 3');
    expect(text).not.toMatch(new RegExp(`route="[^"]*/${ticket}"`));
    expect(sample(text, 'asset_cache_ready')).toBe(1);
    expect(sample(text, 'asset_cache_hits_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'asset_cache_worker_restarts_total')).toBe(0);
    expect(text).toMatch(/asset_cache_rpc_duration_seconds_count\{kind="(ticket|contact)"\} \d+/);
    expect(text).toContain('process_cpu_seconds_total');
    for (const line of text.split('\n').filter((l) => l.startsWith('# TYPE') && l.endsWith(' counter'))) {
      expect(line.split(' ')[2]).toMatch(/_total$/);
    }
  });
});
