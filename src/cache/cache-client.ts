import { EventEmitter } from 'node:events';
import { MessageChannel, Worker, type ResourceLimits } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter';
import { Backoff } from '../backoff';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { LookupChannel, type LookupTimer, type MaybeStaleAnswer, type TaggedAnswer } from './lookup-channel';
import { NO_WORKER_STATS } from './no-worker-stats';
import { assetsPart, type AssetsPart } from './widget-body';
import type { ContactPage, PageCursor } from './contact-page';
import {
  LOOKUP_CONTACT,
  LOOKUP_TICKET,
  type AssetWrite,
  type CacheControlApi,
  type CacheState,
  type CacheWorkerOptions,
  type WarmResult,
  type WorkerEvent,
  type WorkerStats,
} from './protocol';

export interface CacheClientOptions {
  workerFile: string;
  worker: CacheWorkerOptions;
  logger: Logger;
  lookupTimeoutMs: number;
  callTimeoutMs: number;
  resourceLimits?: ResourceLimits;
  /** Observes each lookup's round trip (kind, seconds). */
  lookupTimer?: LookupTimer;
}

export interface CacheStats extends WorkerStats {
  misses: number;
  /** Widget answers given from a snapshot no longer known fresh while SQL was unreachable (CACHE_GRACE_SECONDS). */
  grace_answers: number;
  hit_rate: number;
  worker_restarts: number;
  worker_available: boolean;
}

const RESTART_MIN_MS = 200;
const RESTART_MAX_MS = 30_000;

/**
 * The main thread's handle on the cache worker. It keeps the worker alive (restart with backoff after an
 * exit or crash), fails calls in flight the moment the worker dies (comlink alone would leave them pending
 * forever), bounds every call with a timeout, and counts the lookups that had to go to SQL.
 */
export class CacheClient extends EventEmitter {
  private worker: Worker | undefined;
  private remote: Comlink.Remote<CacheControlApi> | undefined;
  private readonly lookups: LookupChannel;
  private readonly inFlight = new Set<(err: Error) => void>();
  private currentState: CacheState = 'cold';
  private stopped = false;
  private readonly restartPause = new Backoff(RESTART_MIN_MS, RESTART_MAX_MS);
  private restartTimer: NodeJS.Timeout | undefined;
  private misses = 0;
  private graceAnswers = 0;
  private restarts = 0;
  private lastWorkerStats: WorkerStats;

  constructor(private readonly options: CacheClientOptions) {
    super();
    this.lookups = new LookupChannel(options.lookupTimeoutMs, options.lookupTimer);
    this.lastWorkerStats = { ...NO_WORKER_STATS, build_in: options.worker.buildThread ? 'thread' : 'worker' };
  }

  get state(): CacheState {
    return this.currentState;
  }

  /** Starts the worker and waits until its first warm-up has succeeded or failed (or `timeoutMs` passed). */
  async start(timeoutMs: number): Promise<CacheState> {
    this.spawn();
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.off('state', onState);
        resolve();
      };
      const onState = (state: CacheState) => (state === 'ready' || state === 'degraded' ? finish() : undefined);
      const timer = setTimeout(finish, timeoutMs);
      this.on('state', onState);
    });
    return this.currentState;
  }

  /** The whole widget body for a ticket and its ETag, or null when the cache does not know the ticket or cannot answer. */
  lookupTicket(ticketId: number): Promise<TaggedAnswer | null> {
    return this.currentState === 'ready' ? this.lookups.lookup(LOOKUP_TICKET, ticketId) : Promise.resolve(null);
  }

  /** The widget's assets part for a contact, or null when the caller must ask SQL (counted as a miss). */
  async lookupContact(contactId: number): Promise<AssetsPart | null> {
    const answer = this.currentState === 'ready' ? await this.lookups.lookup(LOOKUP_CONTACT, contactId) : null;
    if (answer === null) this.misses++;
    return answer && assetsPart(answer.text, answer.tag);
  }

  /**
   * Grace: the widget body for a ticket once SQL has failed. Asked whatever the state: a `ready` cache answers
   * as usual (`staleSeconds` null); one that is not may answer from its snapshot if it was `ready` within
   * CACHE_GRACE_SECONDS (`staleSeconds` set). Null `answer`: nothing to serve, the caller's 503 stands.
   */
  async lookupTicketStaleOk(ticketId: number): Promise<MaybeStaleAnswer> {
    const reply = await this.lookups.lookupStaleOk(ticketId);
    if (reply.answer !== null && reply.staleSeconds !== null) this.graceAnswers++;
    return reply;
  }


  /** Rebuilds the snapshot now; concurrent callers share one build. No timeout: a 1M build takes seconds. */
  refresh(reason: string): Promise<WarmResult> {
    return this.call((api) => api.refresh(reason), 0).catch((err: unknown) => {
      if (err instanceof AppError) throw err;
      this.options.logger.warn({ err, event: 'cache.refresh_failed' }, 'cache refresh failed');
      throw new AppError('CACHE_UNAVAILABLE', 'Asset cache refresh failed; the current snapshot is still being served');
    });
  }

  /** A page of a contact's assets from the cache, or null when the caller must ask SQL (counted as a miss). */
  async contactAssets(contactId: number, after: PageCursor | null, limit: number): Promise<ContactPage | null> {
    const page = this.currentState === 'ready' ? await this.call((api) => api.contactAssets(contactId, after, limit), this.options.lookupTimeoutMs).catch(() => null) : null;
    if (page === null) this.misses++;
    return page;
  }

  applyWrites(writes: AssetWrite[]): Promise<void> {
    return this.call((api) => api.applyWrites(writes), this.options.callTimeoutMs);
  }

  /**
   * The worker's stats merged with the main thread's (misses, restarts). While the worker cannot answer
   * (restarting, stuck), the last stats it gave are shown with `worker_available: false`, so an operator
   * still sees the state and the restarts.
   */
  async stats(): Promise<CacheStats> {
    const worker = await this.call((api) => api.stats(), this.options.callTimeoutMs).then(
      (fresh) => (this.lastWorkerStats = fresh),
      () => undefined,
    );
    const shown = worker ?? this.lastWorkerStats;
    const total = shown.hits + this.misses;
    return {
      ...shown,
      state: this.currentState,
      misses: this.misses,
      grace_answers: this.graceAnswers,
      hit_rate: total === 0 ? 0 : Math.round((shown.hits / total) * 10_000) / 100,
      worker_restarts: this.restarts,
      worker_available: worker !== undefined,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    await this.call((api) => api.close(), this.options.callTimeoutMs).catch(() => undefined);
    await worker.terminate();
  }

  /** Runs one control-plane call, rejected on timeout (0 = none) or as soon as the worker exits. */
  private call<T>(fn: (api: Comlink.Remote<CacheControlApi>) => Promise<T>, timeoutMs: number): Promise<T> {
    const remote = this.remote;
    if (!remote) return Promise.reject(new AppError('CACHE_UNAVAILABLE'));
    return new Promise<T>((resolve, reject) => {
      const fail = (err: Error) => finish(() => reject(err));
      const timer = timeoutMs > 0 ? setTimeout(() => fail(new AppError('CACHE_UNAVAILABLE', 'The asset cache did not answer in time')), timeoutMs) : undefined;
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        if (this.inFlight.delete(fail)) settle();
      };
      this.inFlight.add(fail);
      fn(remote).then(
        (value) => finish(() => resolve(value)),
        (err: unknown) => finish(() => reject(err instanceof Error ? err : new Error(String(err)))),
      );
    });
  }

  private spawn(): void {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(this.options.workerFile, {
      workerData: { ...this.options.worker, controlPort: port2 },
      transferList: [port2],
      resourceLimits: this.options.resourceLimits,
    });
    const startedAt = Date.now();
    this.worker = worker;
    this.remote = Comlink.wrap<CacheControlApi>(nodeEndpoint(port1));
    this.lookups.attach(worker);
    worker.on('message', (message: unknown) => {
      if (this.lookups.receive(message)) return;
      const event = message as WorkerEvent;
      if (event?.type === 'event' && event.name === 'state') this.setState(event.state);
      else if (event?.type === 'event' && event.name === 'changes') this.emit('changes', event.notice);
    });
    worker.on('error', (err) => {
      const outOfMemory = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.options.logger.error({ err, event: outOfMemory ? 'cache.worker_oom' : 'cache.worker_error' }, 'cache worker crashed');
    });
    worker.on('exit', (code) => {
      port1.close();
      this.worker = undefined;
      this.remote = undefined;
      this.lookups.detach();
      for (const fail of [...this.inFlight]) fail(new AppError('CACHE_UNAVAILABLE', 'The asset cache worker stopped'));
      this.setState('cold');
      if (this.stopped) return;
      if (Date.now() - startedAt > 60_000) this.restartPause.reset();
      const restartMs = this.restartPause.next();
      this.restarts++;
      this.options.logger.warn({ event: 'cache.worker_exit', code, restart_in_ms: restartMs }, 'cache worker exited; restarting');
      this.restartTimer = setTimeout(() => this.spawn(), restartMs);
    });
  }

  private setState(state: CacheState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.options.logger.info({ event: 'cache.state', state }, `asset cache ${state}`);
    this.emit('state', state);
  }
}
