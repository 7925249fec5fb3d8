import { performance } from 'node:perf_hooks';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter';
import { createLogger } from '../src/logger';
import { LOOKUP_CONTACT, LOOKUP_TICKET, type CacheControlApi, type CacheWorkerOptions, type LookupBatch, type LookupReply, type WorkerEvent } from '../src/cache/protocol';
import { AssetCache } from './asset-cache';
import { FreshnessGrace } from './grace';

/**
 * Entry point of the cache worker thread: wires the AssetCache to its two channels. Lookups arrive on the
 * worker's own port as batches and are answered in one reply; everything else comes through comlink.
 */
const { controlPort, ...options } = workerData as CacheWorkerOptions & { controlPort: MessagePort };
const port = parentPort!;
const logger = createLogger(options.logLevel).child({ component: 'cache-worker' });
const grace = new FreshnessGrace(options.graceSeconds * 1000);
const cache = new AssetCache(
  options,
  logger,
  (state) => {
    grace.note(state);
    port.postMessage({ type: 'event', name: 'state', state } satisfies WorkerEvent);
  },
  (notice) => port.postMessage({ type: 'event', name: 'changes', notice } satisfies WorkerEvent),
);

port.on('message', (message: LookupBatch) => {
  if (message?.type !== 'lookup') return;
  const { ids } = message;
  const count = ids.length / 3;
  const requestIds = new Int32Array(count);
  const answers = new Array<string | null>(count);
  const tags = new Array<string | null>(count);
  const contacts = new Int32Array(count);
  const started = performance.now();
  let staleOk = false;
  for (let i = 0; i < count; i++) {
    requestIds[i] = ids[3 * i]!;
    const id = ids[3 * i + 2]!;
    const kind = ids[3 * i + 1];
    if (kind === LOOKUP_CONTACT) {
      const part = cache.lookups.lookupContact(id);
      answers[i] = part?.assetsJson ?? null;
      tags[i] = part?.tag ?? null;
      contacts[i] = part ? id : 0;
      continue;
    }
    // LOOKUP_TICKET_STALE_OK: the front saw SQL fail.
    if (kind !== LOOKUP_TICKET) staleOk = true;
    const tagged = cache.lookups.lookupTicket(id, kind !== LOOKUP_TICKET && grace.allows());
    answers[i] = tagged?.[0] ?? null;
    tags[i] = tagged?.[1] ?? null;
    contacts[i] = tagged?.[2] ?? 0;
  }
  cache.lookups.noteLookupTime(performance.now() - started, count);
  const staleSeconds = staleOk ? grace.staleSeconds() : null;
  port.postMessage({ type: 'lookup', requestIds, answers, tags, contacts, ...(staleSeconds === null ? {} : { staleSeconds }) } satisfies LookupReply);
});

const api: CacheControlApi = {
  refresh: (reason) => cache.refresh(reason),
  applyWrites: async (writes) => cache.applyWrites(writes),
  stats: async () => cache.stats(),
  contactAssets: async (contactId, after, limit) => cache.lookups.contactAssets(contactId, after, limit),
  close: () => cache.close(),
};
Comlink.expose(api, nodeEndpoint(controlPort));
cache.start();
