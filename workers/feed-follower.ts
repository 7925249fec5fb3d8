import type pg from 'pg';
import { safeError, type Logger } from '../src/logger';
import { LAST_SEQ_SQL, READ_BATCHES_SQL } from './sql/batches';
import type { FeedRow } from './feed-rows';
import { batchJson } from './packed-rows';
import { LEADER_HEARTBEAT_MS } from './wal-relay';

/** Batches read per statement while catching up (up to ~200 kB each): well inside the reader's statement timeout. */
const READ_LIMIT = 5;
/** No batch and no heartbeat from the leader for this long: it is alive but not relaying, or gone. */
export const LEADER_SILENCE_MS = 3 * LEADER_HEARTBEAT_MS;
const RETRY_MS = 200;

export interface FeedFollowerEvents {
  /** The rows of one batch, in order. */
  rows(rows: FeedRow[]): void;
  /** Batches were pruned before this instance read them, or the relay asked: the cache must resync. */
  resync(): void;
  /** The leader went silent (true) or was heard again (false). */
  silence(silent: boolean): void;
  /** Still silent: end the leader's session so that an instance that relays takes the lead. */
  takeOver(): void;
}

/**
 * An instance's side of the WAL relay (wal-relay.ts): it knows the number of the last batch it applied and
 * reads whatever follows whenever it hears of a later one: a batch's notification, the leader's idle
 * heartbeat (which carries the last number, so a missed notification is noticed within a second), or its
 * LISTEN connection coming back. A gap is therefore a catch-up read, logged and counted, never a silent
 * loss; only a gap older than the relay's retention costs a resync. Hearing nothing from the leader for
 * LEADER_SILENCE_MS marks the feed not fresh until it is heard again.
 */
export class FeedFollower {
  /** 0: none applied yet, and there was none at this instance's start. */
  private lastSeq = 0;
  /** The highest number a notification or heartbeat announced: that batch exists unless it was lost. */
  private heardSeq = 0;
  /** The batch this instance's relay is publishing: its notification is not read back, `published` applies it. */
  private ownSeq: number | undefined;
  private heardMs = Date.now();
  private takeOverMs = 0;
  private checkedMs = Date.now();
  private catching: Promise<boolean> | undefined;
  private again = false;
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  silent = false;
  /**
   * gaps: batches this instance was not notified of in order (missed, or while its LISTEN was away), read;
   * gapResyncs: gaps whose batches are gone (past the retention, or the table emptied), resynced; silences: times the leader went silent;
   * batchFailures: batches that could not be applied whole (unreadable, or applying threw), resynced;
   * batchesRead: batches read from the table (not the leader's own, applied from memory).
   */
  readonly counts = { gaps: 0, gapResyncs: 0, silences: 0, batchFailures: 0, batchesRead: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    private readonly events: FeedFollowerEvents,
  ) {}

  get seq(): number {
    return this.lastSeq;
  }

  /** Before the first snapshot build: the batches up to now hold changes the build will read. */
  async start(): Promise<void> {
    this.lastSeq = Number((await this.pool.query<{ seq: string }>(LAST_SEQ_SQL)).rows[0]!.seq);
    this.heardMs = Date.now();
    this.watchdog = setInterval(() => this.checkSilence(), LEADER_HEARTBEAT_MS / 4);
  }

  stop(): void {
    this.closed = true;
    clearInterval(this.watchdog);
  }

  /** A batch notified (`batch`) or a heartbeat carrying the leader's last number. */
  heard(seq: number, batch: boolean): void {
    this.heardMs = Date.now();
    if (this.silent) {
      this.silent = false;
      this.logger.info({ event: 'feed.leader_heard', seq }, 'the WAL relay leader is heard again');
      // Fresh again only once what was published meanwhile is applied.
      void this.catchUp().then(() => this.silent || this.events.silence(false));
    }
    this.heardSeq = Math.max(this.heardSeq, seq);
    if (seq <= this.lastSeq) return;
    // The notification of this instance's own batch can come before the relay's statement returns.
    if (batch && seq === this.ownSeq && seq === this.lastSeq + 1 && this.lastSeq > 0 && !this.catching) return;
    if (this.lastSeq > 0 && seq > this.lastSeq + (batch ? 1 : 0) && !this.catching) {
      this.counts.gaps++;
      this.logger.warn({ event: 'feed.gap', from: this.lastSeq + 1, to: seq }, 'batches missed; reading them');
    }
    void this.catchUp();
  }

  /** The LISTEN connection is back: whatever was published meanwhile is read. */
  resume(): Promise<boolean> {
    this.counts.gaps++;
    this.logger.info({ event: 'feed.catch_up', from: this.lastSeq + 1 }, 'LISTEN restored; reading the batches published meanwhile');
    return this.catchUp();
  }

  /**
   * Reads and applies every batch after the last applied; resolves true once caught up. One read runs at a
   * time; a call meanwhile makes it read again. Failed reads are retried until they succeed or it stops.
   */
  catchUp(): Promise<boolean> {
    if (this.catching) {
      this.again = true;
      return this.catching;
    }
    this.catching = this.read().finally(() => {
      this.catching = undefined;
    });
    return this.catching;
  }

  private async read(): Promise<boolean> {
    for (;;) {
      this.again = false;
      try {
        for (;;) {
          const read = { name: 'awc-read-batches', text: READ_BATCHES_SQL, values: [this.lastSeq, READ_LIMIT] };
          const { rows } = await this.pool.query<{ seq: string; rows: string | null; packed: Buffer | null }>(read);
          if (rows.length === 0 || this.closed) break;
          // None applied yet: whatever is there was published after this instance's start, so it is all read.
          if (this.lastSeq > 0 && Number(rows[0]!.seq) !== this.lastSeq + 1) return this.lost(Number(rows.at(-1)!.seq));
          this.counts.batchesRead += rows.length;
          // A body that does not inflate is that batch's failure (apply), not a read to retry.
          for (const row of rows) this.apply(Number(row.seq), await batchJson(row).catch((err: Error) => err));
          // Fewer than asked for: that was the last. One published since notifies, and sets `again`.
          if (rows.length < READ_LIMIT) break;
        }
        if (!this.again && this.heardSeq > this.lastSeq && !this.closed) this.missing();
      } catch (err) {
        if (this.closed) return false;
        this.logger.warn({ err: safeError(err), event: 'feed.batch_read_failed', seq: this.lastSeq, retry_in_ms: RETRY_MS }, 'could not read feed batches; retrying');
        await new Promise((r) => setTimeout(r, RETRY_MS));
        this.again = true;
      }
      if (!this.again || this.closed) return !this.closed;
    }
  }

  /**
   * The leader's own batch, just published: applied from memory when it is the next one, which spares the
   * leader reading back what it wrote. A read under way may have begun before the batch was visible, so it
   * reads once more instead.
   */
  published(seq: number, rows: FeedRow[]): void {
    this.ownSeq = undefined;
    if (this.closed || this.lastSeq === 0 || seq !== this.lastSeq + 1) return;
    this.heardSeq = Math.max(this.heardSeq, seq);
    if (this.catching) return void this.catchUp();
    this.apply(seq, rows);
  }

  /** This instance's relay is publishing `seq`; undefined: that failed, so whatever was announced is read. */
  publishing(seq: number | undefined): void {
    this.ownSeq = seq;
    if (seq === undefined && this.heardSeq > this.lastSeq && !this.closed) void this.catchUp();
  }

  /**
   * A batch that cannot be applied whole is neither retried forever (it would block every batch after it)
   * nor skipped: its rows are committed and visible, so the resync's build holds them.
   */
  private apply(seq: number, batch: string | FeedRow[] | Error): void {
    this.lastSeq = seq;
    try {
      if (batch instanceof Error) throw batch;
      const rows = typeof batch === 'string' ? (JSON.parse(batch) as FeedRow[]) : batch;
      if (rows.some((r) => r[0] === 'rs')) return this.events.resync();
      this.events.rows(rows);
    } catch (err) {
      this.counts.batchFailures++;
      this.logger.error({ err: safeError(err), event: 'feed.batch_failed', seq }, 'a feed batch could not be applied; resyncing');
      this.events.resync();
    }
  }

  /**
   * Read up to the end, yet a later number was announced (before this read began, or `again` would be set):
   * those batches are gone. The table was emptied (an unlogged table after a PostgreSQL crash; the next
   * leader numbers from the clock, sql/batches.ts), so what they held may be missing here: resync. With
   * none applied yet there is nothing to miss: the leader's number is where this instance starts.
   */
  private missing(): void {
    if (this.lastSeq === 0) {
      this.lastSeq = this.heardSeq;
      return;
    }
    this.lost(this.heardSeq);
  }

  /**
   * The batches after lastSeq are gone (pruned past the retention, or the table emptied): whatever they held
   * comes with a resync begun after this.
   */
  private lost(newest: number): boolean {
    this.counts.gapResyncs++;
    this.logger.error({ event: 'feed.gap_lost', from: this.lastSeq + 1, to: newest }, 'missed batches are gone (past the relay retention, or the feed table emptied by a crash); resyncing');
    this.lastSeq = newest;
    this.events.resync();
    return true;
  }

  private checkSilence(): void {
    const now = Date.now();
    // This instance's own event loop was held up (a build in this thread): what it has not read yet may be
    // the leader's heartbeats, so the silence counts from now.
    if (now - this.checkedMs > LEADER_HEARTBEAT_MS) this.heardMs = Math.max(this.heardMs, now);
    this.checkedMs = now;
    if (now - this.heardMs < LEADER_SILENCE_MS || this.closed) return;
    if (!this.silent) {
      this.silent = true;
      this.counts.silences++;
      this.logger.warn({ event: 'feed.leader_silent', silent_ms: now - this.heardMs, seq: this.lastSeq }, 'no batch or heartbeat from the WAL relay leader: cache not fresh; taking over');
      this.events.silence(true);
    }
    if (now - this.takeOverMs < LEADER_SILENCE_MS) return;
    this.takeOverMs = now;
    this.events.takeOver();
  }
}
