import { EventEmitter } from 'node:events';
import type pg from 'pg';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialFeed, type CredentialFeedEvents } from '../../src/auth/credential-feed';
import { eventually } from '../helpers/service-pair';

/** Just enough of pg.Client: LISTEN succeeds, and a heartbeat comes back as a notification unless `silent`. */
class FakeClient extends EventEmitter {
  silent = false;
  ended = false;
  async connect(): Promise<void> {}
  async query(text: string, values?: string[]): Promise<unknown> {
    if (text.startsWith('SELECT pg_notify') && !this.silent) {
      setImmediate(() => this.emit('notification', { channel: values![0], payload: values![1] }));
    }
    return { rows: [] };
  }
  async end(): Promise<void> {
    this.ended = true;
  }
  notify(payload: string): void {
    this.emit('notification', { channel: 'awc_auth_changes', payload });
  }
}

function recorder() {
  const log: string[] = [];
  const events: CredentialFeedEvents = {
    userChanged: (id) => log.push(`user ${id}`),
    allChanged: () => log.push('all'),
    listening: () => log.push('listening'),
    lost: () => log.push('lost'),
  };
  return { log, events };
}

describe('CredentialFeed', () => {
  let feed: CredentialFeed | undefined;
  afterEach(() => feed?.stop());

  function start(heartbeatMs = 1_000, heartbeatTimeoutMs = 1_000) {
    const clients: FakeClient[] = [];
    const { log, events } = recorder();
    feed = new CredentialFeed(
      {
        databaseUrl: 'postgres://unused',
        heartbeatMs,
        heartbeatTimeoutMs,
        logger: pino({ level: 'silent' }),
        createClient: () => {
          const client = new FakeClient();
          clients.push(client);
          return client as unknown as pg.Client;
        },
      },
      events,
    );
    return { feed, clients, log, started: feed.start() };
  }

  it('passes on user ids and TRUNCATEs, and ignores anything else', async () => {
    const { clients, log, started } = start();
    await started;
    const client = clients[0]!;
    for (const payload of ['{"t":"k","op":"u","id":3,"u":7}', '{"t":"u","op":"d","u":8}', '{"t":"all"}', 'not json', '{"t":"s","u":"9"}', '{"t":"hb","n":"x"}']) {
      client.notify(payload);
    }
    expect(log).toEqual(['listening', 'user 7', 'user 8', 'all']);
  });

  it('counts a heartbeat that does not come back as a loss, then listens again', async () => {
    const { clients, log, started } = start(20, 30);
    await started;
    await new Promise((r) => setTimeout(r, 100));
    expect(log).toEqual(['listening']);
    clients[0]!.silent = true;
    await eventually(async () => expect(log).toEqual(['listening', 'lost']), 500);
    expect(clients[0]!.ended).toBe(true);
    await eventually(async () => expect(log).toEqual(['listening', 'lost', 'listening']), 1_000);
    expect(clients).toHaveLength(2);
  });

  it('counts a connection error as a loss, once', async () => {
    const { clients, log, started } = start();
    await started;
    clients[0]!.emit('error', new Error('Connection terminated unexpectedly'));
    clients[0]!.emit('end');
    expect(log).toEqual(['listening', 'lost']);
    await eventually(async () => expect(log).toEqual(['listening', 'lost', 'listening']), 1_000);
  });
});
