import type { WorkerStats } from '../src/cache/protocol';
import { safeError, type Logger } from '../src/logger';
import { directoryTransferList } from './directory';
import { snapshotTransferList } from './snapshot';
import type { BuildMarks, SnapshotRead } from './snapshot-read';

const bytesOf = (buffers: ArrayBuffer[]) => buffers.reduce((sum, b) => sum + b.byteLength, 0);

/** One completed warm-up, as logged. */
export interface Warm {
  reason: string;
  assets: number;
  contacts: number;
  durationMs: number;
  buildIn: WorkerStats['build_in'];
  phases: ReturnType<typeof warmPhases>;
}

/**
 * What the cache's warm-ups did: logged one by one, and for its stats when the last one completed, how long
 * it took, its size, counts.
 */
export class WarmRecord {
  /** Date.now() of the last completed warm-up, 0 before the first. */
  lastAt = 0;
  private lastDurationMs: number | null = null;
  private snapshotBytes = 0;
  private refreshes = 0;
  private failures = 0;

  constructor(private readonly logger: Logger) {}

  succeeded(built: SnapshotRead, warm: Warm): void {
    this.snapshotBytes = bytesOf([...snapshotTransferList(built.assets), ...directoryTransferList(built.directory)]);
    this.lastAt = Date.now();
    this.lastDurationMs = warm.durationMs;
    this.refreshes++;
    const { slotWaitMs, heapUsedBytes, heapTotalBytes } = built;
    this.logger.info(
      { event: 'cache.warm', reason: warm.reason, assets: warm.assets, contacts: warm.contacts, tickets: built.directory.ticketCount, duration_ms: warm.durationMs,
        slot_wait_ms: slotWaitMs, build_heap_used_bytes: heapUsedBytes, build_heap_total_bytes: heapTotalBytes, build_in: warm.buildIn, phases_ms: warm.phases },
      'asset cache warmed',
    );
  }

  /** `retryMs`: when the next warm-up is tried, null when none is scheduled (the cache is warm and trusted). */
  failed(err: unknown, reason: string, retryMs: number | null): void {
    this.failures++;
    this.logger.error({ err: safeError(err), event: 'cache.warm_failed', reason, retry_in_ms: retryMs }, 'asset cache warm-up failed');
  }

  stats(): Pick<WorkerStats, 'last_warmup' | 'warm_duration_ms' | 'refreshes' | 'refresh_failures' | 'snapshot_bytes'> {
    return {
      last_warmup: this.lastAt ? new Date(this.lastAt).toISOString() : null,
      warm_duration_ms: this.lastDurationMs,
      refreshes: this.refreshes,
      refresh_failures: this.failures,
      snapshot_bytes: this.snapshotBytes,
    };
  }
}

const span = (from: number, to: number) => Math.round(to - from);

/**
 * A warm-up split into its steps (ms), from the cache worker's start of the build (`begun`) over the build's
 * own marks to the snapshot's arrival in the worker (`received`) and the end of the rebase (`rebased`).
 */
export function warmPhases(begun: number, marks: BuildMarks, received: number, rebased: number) {
  return {
    thread_start: span(begun, marks.started),
    connect_and_snapshot: span(marks.started, marks.snapshot),
    assets_copy: span(marks.snapshot, marks.assetsCopied),
    assets_pack: span(marks.assetsCopied, marks.assetsPacked),
    directory: span(marks.snapshot, marks.directoryPacked),
    commit: span(Math.max(marks.assetsPacked, marks.directoryPacked), marks.read),
    transfer: span(marks.read, received),
    rebase: span(received, rebased),
  };
}
