import http from 'node:http';
import { sseParser } from './sse-parser';

/** One Server-Sent Event as a subscriber saw it, stamped when its last line arrived. */
export interface ReceivedEvent {
  id: string;
  data: string;
  at: number;
}

export interface SseSubscriber {
  /** Resolves with the first event, already received or still to come, whose data contains `needle`. */
  waitFor(needle: string, timeoutMs: number): Promise<ReceivedEvent | null>;
  close(): void;
}

/**
 * A live-widget subscriber over Node's http client (no browser): opens `path` as an event stream and keeps
 * only what a benchmark needs: the events that arrived and when. Resolves
 * once the stream's first event (the current body) arrived, so a change made afterwards is a change it sees.
 */
export function openSubscriber(base: string, path: string, headers: Record<string, string>, agent: http.Agent): Promise<SseSubscriber> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const events: ReceivedEvent[] = [];
    let waiters: Array<() => void> = [];
    const parse = sseParser(({ id, data }) => {
      events.push({ id, data, at: performance.now() });
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
      if (events.length === 1) resolve(subscriber);
    });
    const req = http.get({ host: url.hostname, port: url.port, path, agent, headers: { ...headers, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${path} answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', parse);
      // After the first event this rejects nothing; before it, the stream ended without one.
      res.on('end', () => reject(new Error(`GET ${path} ended before its first event`)));
    });
    req.on('error', reject);

    const subscriber: SseSubscriber = {
      waitFor(needle, timeoutMs) {
        return new Promise((done) => {
          let settled = false;
          const timer = setTimeout(() => {
            settled = true;
            done(null);
          }, timeoutMs);
          const check = () => {
            if (settled) return;
            const hit = events.find((e) => e.data.includes(needle));
            if (!hit) {
              waiters.push(check);
              return;
            }
            settled = true;
            clearTimeout(timer);
            // Events arrive in order; the ones before the hit will never be asked for again.
            events.splice(0, events.indexOf(hit) + 1);
            done(hit);
          };
          check();
        });
      },
      close: () => req.destroy(),
    };
  });
}
