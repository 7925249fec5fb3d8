import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheClient } from '../../src/cache/cache-client';
import { LOOKUP_TICKET, type LookupReply } from '../../src/cache/protocol';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';
import { widgetTruth } from '../helpers/widget-truth';

/** The worker thread, reached the way a test must: there is no API to stall or kill it, on purpose. */
function workerOf(cache: CacheClient): Worker {
  return (cache as unknown as { worker: Worker }).worker;
}

const TIE = '2025-05-05T10:00:00.123456Z';

/**
 * The answers the widget gives when the cache cannot (stalled worker, no worker), compared with the contract
 * computed independently (test/helpers/widget-truth.ts), on rows made to tell a right answer from a wrong one:
 * `created_at` ties (higher id first), microsecond differences against id order, and statuses other than
 * active among the newest rows (they must be neither shown nor counted).
 */
describe('the widget when the cache cannot answer, against the contract', () => {
  let t: TestService;
  const tickets: number[] = [];

  beforeAll(async () => {
    t = await startTestService({ CACHE_LOOKUP_TIMEOUT_MS: '50' }, async (db) => {
      const client = (await makeClient(db.pool)).id;
      const contact = async () => (await makeContact(db.pool, client)).id;
      // One row at a time, so ids follow the order given.
      const insert = async (contactId: number, rows: Array<[hostname: string, status: string, createdAt: string]>) => {
        for (const [hostname, status, createdAt] of rows) {
          await db.pool.query(
            `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, status, created_at) VALUES ($1, $2, $3, '2024-01-01', $4, $5)`,
            [hostname, client, contactId, status, createdAt],
          );
        }
      };
      // All six at the same instant: by id, highest first, among the three active ones. The highest ids of all
      // are not active, so a missing status filter shows them.
      const ties = await contact();
      await insert(ties, [
        ['TIE-A1', 'active', TIE],
        ['TIE-A2', 'active', TIE],
        ['TIE-R', 'retired', TIE],
        ['TIE-A3', 'active', TIE],
        ['TIE-I', 'inactive', TIE],
        ['TIE-X', 'in_repair', TIE],
      ]);
      // A microsecond apart, against id order: the older id is the newer asset.
      const micros = await contact();
      await insert(micros, [
        ['MICRO-LATER', 'active', '2025-05-05T10:00:00.000002Z'],
        ['MICRO-EARLIER', 'active', '2025-05-05T10:00:00.000001Z'],
        ['MICRO-EARLIEST', 'active', '2025-05-05T10:00:00.000000Z'],
        ['MICRO-NEWEST-IN-REPAIR', 'in_repair', '2026-01-01T00:00:00Z'],
      ]);
      // Nothing active at all.
      const none = await contact();
      await insert(none, [
        ['NONE-R', 'retired', TIE],
        ['NONE-X', 'in_repair', TIE],
      ]);
      for (const contactId of [ties, micros, none, await contact()]) tickets.push((await makeTicket(db.pool, client, contactId)).id);
      tickets.push((await makeTicket(db.pool, client, null)).id);
    });
  });
  afterAll(() => t?.stop());

  const widget = async (ticket: number) => {
    const started = performance.now();
    const res = await t.call(`/api/assets/widget/${ticket}`, { token: t.techToken });
    return { status: res.status, body: res.body, cacheStatus: res.headers.get('cache-status'), ms: performance.now() - started };
  };
  const expectContract = async (cacheStatus: string) => {
    for (const ticket of tickets) {
      const answer = await widget(ticket);
      expect(answer.status).toBe(200);
      expect(answer.cacheStatus, `ticket ${ticket}`).toBe(cacheStatus);
      expect(answer.body, `ticket ${ticket}`).toEqual(await widgetTruth(t.db.pool, ticket));
    }
  };

  it('from the cache', async () => {
    await expectContract('asset-cache; hit');
    expect((await widget(tickets[0]!)).body.assets.map((a: { hostname: string }) => a.hostname)).toEqual(['TIE-A3', 'TIE-A2']);
    expect((await widget(tickets[1]!)).body.assets.map((a: { hostname: string }) => a.hostname)).toEqual(['MICRO-LATER', 'MICRO-EARLIER']);
  });

  it('from SQL, within the lookup timeout, while the worker is alive but stalled', async () => {
    const worker = workerOf(t.service.cache);
    // Keep the worker's lookup port busy: batches of ticket lookups (each builds a whole body) that take it well
    // over the timeout each, re-posted as each comes back. The widget's own lookups queue behind them and time out.
    const BATCH = 40_000;
    const flood = new Int32Array(BATCH * 3);
    for (let i = 0; i < BATCH; i++) flood.set([-1 - i, LOOKUP_TICKET, tickets[i % tickets.length]!], 3 * i);
    let flooding = true;
    let floodReplies = 0;
    const post = () => worker.postMessage({ type: 'lookup', ids: flood.slice() });
    const onReply = (message: LookupReply) => {
      if (message?.type !== 'lookup' || message.requestIds[0]! >= 0) return;
      floodReplies++;
      if (flooding) post();
    };
    worker.on('message', onReply);
    for (let i = 0; i < 3; i++) post();
    try {
      for (let round = 0; round < 3; round++) {
        for (const ticket of tickets) {
          const answer = await widget(ticket);
          expect(answer.status).toBe(200);
          expect(answer.cacheStatus, `ticket ${ticket}`).toBe('asset-cache; fwd=miss');
          expect(answer.body, `ticket ${ticket}`).toEqual(await widgetTruth(t.db.pool, ticket));
          // Two lookups at most (ticket, then contact), 50 ms each, plus two queries; loose for a busy machine.
          expect(answer.ms).toBeLessThan(2_000);
        }
      }
    } finally {
      flooding = false;
    }
    // The worker was busy all along (it answered flood batches meanwhile), and it comes back.
    expect(floodReplies).toBeGreaterThan(0);
    await expect.poll(async () => (await widget(tickets[0]!)).cacheStatus, { timeout: 10_000, interval: 100 }).toBe('asset-cache; hit');
    worker.off('message', onReply);
    await expectContract('asset-cache; hit');
  });

  it('from SQL with no cache worker at all', async () => {
    await t.service.cache.stop();
    expect(t.service.cache.state).toBe('cold');
    await expectContract('asset-cache; fwd=miss');
  });
});
