import { afterAll, beforeAll, expect } from 'vitest';
import { seedDatabase } from '../../src/db/seed';
import { logicalServer } from './logical-server';
import { startServicePair, type PairInstance, type ServicePair } from './service-pair';

/** Two instances in WAL mode on a seeded database of a server with logical decoding (logical-server.ts). */
export interface WalPair {
  pair: ServicePair;
  /** The instance's /api/assets/cache/stats body. */
  stats<T>(instance: PairInstance): Promise<T>;
  widget(instance: PairInstance, ticket: number): Promise<unknown>;
  stop(): Promise<void>;
}

/** `ownServer`: on a server of the file's own, which it may reconfigure (logical-server.ts). */
export async function startWalPair(seed: { contacts: number; tickets: number; assets: number }, ownServer = false): Promise<WalPair> {
  const server = await logicalServer(ownServer);
  const pair = await startServicePair(async (db) => {
    const client = await db.pool.connect();
    try {
      await seedDatabase(client, seed);
    } finally {
      client.release();
    }
  }, server).catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  return {
    pair,
    stats: async <T>(instance: PairInstance) => {
      const res = await instance.call('/api/assets/cache/stats', { token: pair.techToken });
      expect(res.status).toBe(200);
      return res.body as T;
    },
    widget: async (instance, ticket) => {
      const res = await instance.call(`/api/assets/widget/${ticket}`, { token: pair.techToken });
      expect(res.status, `widget ${ticket} from ${instance.url}; log: ${instance.log}`).toBe(200);
      return res.body;
    },
    stop: async () => {
      await pair.stop();
      await server.stop();
    },
  };
}

/** Starts a WalPair before the file's tests and stops it after them; call the result inside a test. */
export function useWalPair(seed: { contacts: number; tickets: number; assets: number }, ownServer = false): () => WalPair {
  let wal: WalPair | undefined;
  beforeAll(async () => {
    wal = await startWalPair(seed, ownServer);
  }, 120_000);
  afterAll(async () => {
    await wal?.stop();
  });
  return () => wal!;
}
