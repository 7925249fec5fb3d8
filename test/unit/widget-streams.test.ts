import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WidgetStreams } from '../../src/services/widget-streams';

const KEEP_ALIVE = ': keep-alive\n\n';
const HEARTBEAT_MS = 1_000;

/** Just the two calls WidgetStreams makes on a response stream, recorded as they happen. */
function recordingStream(): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = { write: (text: string) => writes.push(text) > 0, end: () => undefined } as unknown as Writable;
  return { stream, writes };
}

describe('live widget heartbeats', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives every stream one keep-alive comment per interval, spread over it instead of all in one tick', () => {
    vi.useFakeTimers();
    const streams = new WidgetStreams({} as never, new EventEmitter() as never, { max: 100, heartbeatMs: HEARTBEAT_MS, logger: pino({ level: 'silent' }) });
    const current = { body: '{}', etag: '"w1"', contactId: 1 } as never;
    const open = Array.from({ length: 50 }, (_, i) => {
      const recorded = recordingStream();
      streams.add((i % 3) + 1, current, '"w1"', recorded.stream);
      return recorded;
    });
    const keepAlives = () => open.map((s) => s.writes.filter((w) => w === KEEP_ALIVE).length);
    const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);

    let most = 0;
    for (let elapsed = 0; elapsed < HEARTBEAT_MS; elapsed += 10) {
      const before = sum(keepAlives());
      vi.advanceTimersByTime(10);
      most = Math.max(most, sum(keepAlives()) - before);
    }
    expect(keepAlives(), 'one each within the interval').toEqual(open.map(() => 1));
    expect(most, 'at most a slice of the streams in any one tick').toBeLessThanOrEqual(2);

    vi.advanceTimersByTime(HEARTBEAT_MS);
    expect(keepAlives()).toEqual(open.map(() => 2));

    streams.remove(1, open[0]!.stream);
    vi.advanceTimersByTime(HEARTBEAT_MS);
    expect(keepAlives()[0], 'a removed stream gets none').toBe(2);
    expect(keepAlives().slice(1)).toEqual(open.slice(1).map(() => 3));
    streams.closeAll();
  });
});
