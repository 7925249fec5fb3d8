import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LookupChannel } from '../../src/cache/lookup-channel';
import { LOOKUP_CONTACT, LOOKUP_TICKET, type LookupBatch } from '../../src/cache/protocol';

/** Stands in for the worker's port: records what the channel posts. */
class FakePort extends EventEmitter {
  posted: LookupBatch[] = [];
  postMessage(message: LookupBatch) {
    this.posted.push({ type: message.type, ids: Int32Array.from(message.ids) });
  }
}

describe('LookupChannel', () => {
  it('sends every lookup of one event-loop turn as one batch and routes answers by request id', async () => {
    const port = new FakePort();
    const channel = new LookupChannel(1_000);
    channel.attach(port as unknown as Worker);
    const answers = [11, 22, 33].map((contact) => channel.lookup(LOOKUP_CONTACT, contact));
    await new Promise((r) => setImmediate(r));
    expect(port.posted).toHaveLength(1);
    const ids = Array.from(port.posted[0]!.ids);
    expect(ids.filter((_, i) => i % 3 === 1)).toEqual([LOOKUP_CONTACT, LOOKUP_CONTACT, LOOKUP_CONTACT]);
    expect(ids.filter((_, i) => i % 3 === 2)).toEqual([11, 22, 33]);
    const requestIds = ids.filter((_, i) => i % 3 === 0);
    channel.receive({ type: 'lookup', requestIds: Int32Array.from(requestIds.reverse()), answers: ['c', 'b', 'a'], tags: ['3.', '2.', '1.'], contacts: Int32Array.of(33, 0, 11) });
    expect(await Promise.all(answers)).toEqual([
      { text: 'a', tag: '1.', contactId: 11 },
      { text: 'b', tag: '2.', contactId: null },
      { text: 'c', tag: '3.', contactId: 33 },
    ]);
    expect(channel.inFlight).toBe(0);
  });

  it('resolves null on timeout and on detach, never leaving a lookup pending', async () => {
    const port = new FakePort();
    const channel = new LookupChannel(20);
    channel.attach(port as unknown as Worker);
    expect(await channel.lookup(LOOKUP_TICKET, 1)).toBeNull();
    const pending = channel.lookup(LOOKUP_TICKET, 2);
    channel.detach();
    expect(await pending).toBeNull();
    expect(await channel.lookup(LOOKUP_TICKET, 3)).toBeNull();
    expect(channel.receive({ type: 'event' })).toBe(false);
  });
});
