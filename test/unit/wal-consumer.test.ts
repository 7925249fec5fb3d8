import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { WalConsumer } from '../../workers/wal-consumer';
import { freePort } from '../helpers/free-port';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WalConsumer', () => {
  it('a loop pausing from a lead given up does not stream beside the next lead', async () => {
    // Nothing listens on the port: every stream fails at once, then the loop pauses (100 ms, doubling).
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/none`;
    const checks: Array<{ lead: number; at: number }> = [];
    let lead = 1;
    const consumer = new WalConsumer(url, pino({ level: 'silent' }), { committed: () => undefined, drained: () => true, checkSlot: async () => void checks.push({ lead, at: performance.now() }) });
    const first = consumer.run('slot');
    await sleep(40);
    expect(consumer.reconnects, 'the first stream failed and its loop pauses').toBe(1);
    await consumer.stop();
    lead = 2;
    const restarted = performance.now();
    const second = consumer.run('slot');
    // The first loop wakes ~60 ms from now; the second pauses 200 ms after its own failure.
    await sleep(150);
    await consumer.stop();
    await Promise.all([first, second]);
    const early = checks.filter((c) => c.lead === 2 && c.at - restarted < 150);
    expect(early, 'slot checks in the 150 ms after the new lead: its own only').toHaveLength(1);
  });
});
