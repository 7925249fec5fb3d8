import http from 'node:http';
import pg from 'pg';
import { percentiles, round2 } from './percentiles';
import { openSubscriber, type SseSubscriber } from './sse-subscriber';

export interface LiveTarget {
  asset: number;
  ticket: number;
}

/** Renames `target`'s asset to `hostname` and resolves once the write is committed. */
export type Commit = (target: LiveTarget, hostname: string) => Promise<void>;

// A change not seen by then is counted as lost rather than stalling the run.
const GIVE_UP_MS = 5_000;
// One stream per ticket, over this many tickets: enough that consecutive updates rarely hit the same widget.
const SUBSCRIBED_TICKETS = 50;

/** A commit through an instance's API: PUT answers only after the commit. */
export function commitViaApi(instance: string, token: string): Commit {
  return async (target, hostname) => {
    const put = await fetch(`${instance}/api/assets/${target.asset}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hostname }),
    });
    const text = await put.text();
    if (!put.ok) throw new Error(`PUT /api/assets/${target.asset} answered ${put.status}: ${text}`);
  };
}

/** A commit by plain SQL, as the RMM sync writes: no instance is told, each learns it from its change feed. */
export async function commitViaSql(databaseUrl: string): Promise<{ commit: Commit; end(): Promise<void> }> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  return {
    commit: async (target, hostname) => {
      await client.query('UPDATE assets SET hostname = $1 WHERE id = $2', [hostname, target.asset]);
    },
    end: () => client.end(),
  };
}

/**
 * Committed change → live widget event received (issue 18): subscribers hold one event stream per ticket on
 * `subscribeAt`; each update renames a target's visible asset through `commit`, then waits for the event that
 * carries the new hostname. The clock starts when the commit is acknowledged (`p*_ms`) and, as an upper
 * bound that includes the write itself, when it was sent (`p99_from_send_ms`).
 */
export async function liveLatency(options: {
  subscribeAt: string;
  token: string;
  targets: LiveTarget[];
  updates: number;
  tag: string;
  commit: Commit;
}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const headers = { authorization: `Bearer ${options.token}` };
  const targets = options.targets.slice(0, SUBSCRIBED_TICKETS);
  const subscribers = new Map<number, SseSubscriber>();
  try {
    for (const t of targets) {
      if (!subscribers.has(t.ticket)) subscribers.set(t.ticket, await openSubscriber(options.subscribeAt, `/api/assets/widget/${t.ticket}/events`, headers, agent));
    }
    const fromAck: number[] = [];
    const fromSend: number[] = [];
    let lost = 0;
    let beforeAck = 0;
    for (let i = 0; i < options.updates; i++) {
      const target = targets[i % targets.length]!;
      const hostname = `LIVE-${options.tag}-${i}`;
      // Listening before the write: on one instance the event may well arrive before the PUT's answer.
      const seen = subscribers.get(target.ticket)!.waitFor(JSON.stringify(hostname), GIVE_UP_MS);
      const sent = performance.now();
      await options.commit(target, hostname);
      const acked = performance.now();
      const event = await seen;
      if (!event) {
        lost++;
        continue;
      }
      if (event.at < acked) beforeAck++;
      fromAck.push(Math.max(0, event.at - acked));
      fromSend.push(event.at - sent);
    }
    const { p50_ms, p99_ms, max_ms } = percentiles(fromAck);
    return {
      updates: options.updates,
      subscribed_tickets: subscribers.size,
      seen: fromAck.length,
      lost,
      events_before_ack: beforeAck,
      give_up_ms: GIVE_UP_MS,
      p50_ms,
      p99_ms,
      max_ms,
      p99_from_send_ms: round2(percentiles(fromSend).p99_ms),
    };
  } finally {
    for (const s of subscribers.values()) s.close();
    agent.destroy();
  }
}
