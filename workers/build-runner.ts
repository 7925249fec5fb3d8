import Piscina from 'piscina';
import type { CacheWorkerOptions, WorkerStats } from '../src/cache/protocol';
import type { BuildTaskInput } from './build-snapshot.task';
import { readSnapshot, type SnapshotRead } from './snapshot-read';

/**
 * Where snapshots are built: one stateless piscina thread, started on demand and let go when idle (a build is
 * rare and heavy), or this worker itself with CACHE_BUILD_THREAD=false.
 */
export class BuildRunner {
  /** Absent when snapshots are built in this worker. */
  private readonly builder: Piscina | undefined;
  private readonly input: BuildTaskInput;

  constructor(options: CacheWorkerOptions) {
    this.builder = options.buildThread
      ? new Piscina({ filename: options.buildTaskFile, minThreads: 0, maxThreads: 1, idleTimeout: 30_000, atomics: 'disabled' })
      : undefined;
    this.input = { databaseUrl: options.databaseUrl, maxConcurrentBuilds: options.maxConcurrentBuilds };
  }

  /** Starts the build thread now, beside the change feed, so the first build does not wait for it to load. */
  prestart(): void {
    void this.builder?.run(null, { name: 'ready' }).catch(() => undefined);
  }

  async run(): Promise<SnapshotRead> {
    if (this.builder) return (await this.builder.run(this.input)) as SnapshotRead;
    return readSnapshot(this.input.databaseUrl, this.input.maxConcurrentBuilds);
  }

  get buildIn(): WorkerStats['build_in'] {
    return this.builder ? 'thread' : 'worker';
  }

  async destroy(): Promise<void> {
    await this.builder?.destroy();
  }
}
