import { performance } from 'node:perf_hooks';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter';
import { createLogger } from '../src/logger';
import { LOOKUP_TICKET, type CacheControlApi, type CacheWorkerOptions, type LookupBatch, type LookupReply, type WorkerEvent } from '../src/cache/protocol';
import { AssetCache } from './asset-cache';

/**
 * Entry point of the cache worker thread: wires the AssetCache to its two channels. Lookups arrive on the
 * worker's own port as batches and are answered in one reply; everything else comes through comlink.
 */
const { controlPort, ...options } = workerData as CacheWorkerOptions & { controlPort: MessagePort };
const port = parentPort!;
const logger = createLogger(options.logLevel).child({ component: 'cache-worker' });
const cache = new AssetCache(options, logger, (state) => port.postMessage({ type: 'event', name: 'state', state } satisfies WorkerEvent));

port.on('message', (message: LookupBatch) => {
  if (message?.type !== 'lookup') return;
  const { ids } = message;
  const count = ids.length / 3;
  const requestIds = new Int32Array(count);
  const answers = new Array<string | null>(count);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    requestIds[i] = ids[3 * i]!;
    const id = ids[3 * i + 2]!;
    answers[i] = ids[3 * i + 1] === LOOKUP_TICKET ? cache.lookupTicket(id) : cache.lookupContact(id);
  }
  cache.noteLookupTime(performance.now() - started, count);
  port.postMessage({ type: 'lookup', requestIds, answers } satisfies LookupReply);
});

const api: CacheControlApi = {
  refresh: (reason) => cache.refresh(reason),
  applyWrites: async (writes) => cache.applyWrites(writes),
  stats: async () => cache.stats(),
  close: () => cache.close(),
};
Comlink.expose(api, nodeEndpoint(controlPort));
cache.start();
