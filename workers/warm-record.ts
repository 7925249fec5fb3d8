import type { WorkerStats } from '../src/cache/protocol';
import { directoryTransferList } from './directory';
import { snapshotTransferList } from './snapshot';
import type { BuildMarks, SnapshotRead } from './snapshot-read';

const bytesOf = (buffers: ArrayBuffer[]) => buffers.reduce((sum, b) => sum + b.byteLength, 0);

/** What the cache's warm-ups did, for its stats: when the last one completed, how long it took, its size, counts. */
export class WarmRecord {
  /** Date.now() of the last completed warm-up, 0 before the first. */
  lastAt = 0;
  private lastDurationMs: number | null = null;
  private snapshotBytes = 0;
  private refreshes = 0;
  private failures = 0;

  succeeded(built: SnapshotRead, durationMs: number): void {
    this.snapshotBytes = bytesOf([...snapshotTransferList(built.assets), ...directoryTransferList(built.directory)]);
    this.lastAt = Date.now();
    this.lastDurationMs = durationMs;
    this.refreshes++;
  }

  failed(): void {
    this.failures++;
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
