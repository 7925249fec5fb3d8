import pg from 'pg';
import { safeError, type Logger } from '../src/logger';
import { BatchCadence, insertBatch } from './batch-cadence';
import { CHANGE_CHANNEL } from './change-feed';
import { terminateLeader } from './relay-lock';
import { checkRelaySlot, retireNotifyTriggers } from './relay-slot';
import { LEADER_LAST_SEQ_SQL, NOTIFY_SQL, PRUNE_BATCHES_SQL } from './sql/batches';
import { LEADER_LOCK_SQL } from './sql/relay';
import { slotLagBytes, slotName } from './wal-slot';
import { WalConsumer } from './wal-consumer';
import type { CommittedChanges } from './wal-transaction';
import type { FeedRow } from './feed-rows';

export const RELAY_APPLICATION_NAME = 'asset-cache-relay';
/** The LISTEN connection of an instance in WAL mode (a notify-mode one is LISTEN_APPLICATION_NAME). */
export const FOLLOW_APPLICATION_NAME = 'asset-cache-follow';
/** A publish that failed is tried again after this long. */
const PUBLISH_RETRY_MS = 100;
/** The leader's tick: lag poll, and a heartbeat when it published nothing since the last tick. */
export const LEADER_HEARTBEAT_MS = 1_000;
/** Batches older than this are pruned; a follower further behind resyncs (feed-follower.ts). */
export const BATCH_RETENTION_SECONDS = 300;
const PRUNE_EVERY_TICKS = 10;
const UNIQUE_VIOLATION = '23505';

export interface WalRelayOptions {
  databaseUrl: string;
  logger: Logger;
  /** How often an instance that does not lead tries to take the lead. */
  campaignMs?: number;
  /** Batch `seq` is being published (undefined: the attempt failed): its notification may arrive before `published`. */
  publishing?(seq: number | undefined): void;
  /** A batch is committed and announced: this instance's follower may apply it without reading it back. */
  published?(seq: number, rows: FeedRow[]): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The WAL side of the change feed. One instance per database leads (a session advisory lock): it consumes
 * the logical replication slot with pgoutput, in commit order, and publishes the changed rows (feed-rows.ts)
 * in numbered batches: each batch is inserted into awc_feed_batches and its number NOTIFYed in one statement,
 * so the notify commit lock is taken by this one publisher instead of by every writer. Every instance (the
 * leader too) reads the batches after the last it applied (feed-follower.ts) and applies the rows as they
 * are. An LSN is confirmed only once the batch holding it is committed; after any disconnect the relay
 * resumes from the confirmed LSN, so a lost replication connection costs no resync anywhere. Idle, the
 * leader NOTIFYs a heartbeat with the last number every second. Leader gone (lock session closed) or silent
 * (followers end its session, takeOver): another instance takes the lock within `campaignMs` and resumes.
 */
export class WalRelay {
  /** Named after the database (wal-slot.ts), known once connected. */
  private slot = '';
  private lock: pg.Client | undefined;
  private readonly consumer: WalConsumer;
  private queue: CommittedChanges[] = [];
  private publishing = false;
  private lagTimer: NodeJS.Timeout | undefined;
  private ticks = 0;
  /** The number of the last batch published, by this leader or the ones before it. */
  private seq = 0;
  private lastPublishedMs = 0;
  private readonly cadence = new BatchCadence();
  private stopped = false;
  /** A notify-mode instance was listening at the last check, so the triggers were left enabled. */
  private triggersKept = false;
  leader = false;
  /** Times this instance took the lead. */
  takeovers = 0;
  /** Slots created because none existed or the one there was invalidated. */
  slotsCreated = 0;
  lagBytes: number | null = null;
  /** Age of the oldest committed change not published yet (0 when none). */
  get lagSeconds(): number {
    const oldest = this.queue[0];
    return oldest ? Math.max(0, (Date.now() - oldest.commitTimeMs) / 1000) : 0;
  }

  constructor(private readonly options: WalRelayOptions) {
    this.consumer = new WalConsumer(options.databaseUrl, options.logger, {
      committed: (committed) => {
        this.queue.push(committed);
        this.publish();
      },
      drained: () => this.queue.length === 0 && !this.publishing,
      checkSlot: () => this.checkSlot(),
    });
  }

  /** Replication connections lost and resumed while leading (stalled ones too). */
  get walReconnects(): number {
    return this.consumer.reconnects;
  }

  /** Streams that stayed connected but stopped delivering, ended by the probe (wal-stream.ts). */
  get walStalls(): number {
    return this.consumer.stalls;
  }

  /** Campaigns for the lead in the background until stopped. */
  start(): void {
    void this.campaign();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.resign();
  }

  private async campaign(): Promise<void> {
    while (!this.stopped && !this.leader) {
      try {
        await this.tryLead();
      } catch (err) {
        this.options.logger.warn({ err: safeError(err), event: 'feed.relay_campaign_failed' }, 'WAL relay could not take the lead');
        await this.resign();
      }
      if (!this.leader) await sleep(this.options.campaignMs ?? 500);
    }
  }

  private async tryLead(): Promise<void> {
    const lock = new pg.Client({ connectionString: this.options.databaseUrl, application_name: RELAY_APPLICATION_NAME, keepAlive: true });
    lock.on('error', (err) => this.onLockLost(lock, err));
    lock.on('end', () => this.onLockLost(lock));
    this.lock = lock;
    await lock.connect();
    const { rows } = await lock.query<{ leader: boolean; database: string }>(LEADER_LOCK_SQL);
    if (!rows[0]!.leader || this.stopped) return this.resign();
    this.slot = slotName(rows[0]!.database);
    const last = (await lock.query<{ seq: string; empty: boolean }>(LEADER_LAST_SEQ_SQL)).rows[0]!;
    this.seq = Number(last.seq);
    // An empty table is a new database or one a crash emptied; an empty batch makes the table never empty
    // again otherwise, so the next leader continues the numbering instead of every instance resyncing. It goes
    // in before the slot check (which can take seconds): a lead lost meanwhile would leave the table empty,
    // and the next leader's new numbering would make every instance resync a second time.
    if (last.empty) {
      await insertBatch(lock, this.seq + 1, { transactions: 0, rows: [], lsn: undefined, xids: [] });
      this.seq++;
    }
    // The slot first, while the triggers (if on) still announce every change: then nothing falls between them.
    await this.checkSlot();
    this.triggersKept = await retireNotifyTriggers(lock);
    this.leader = true;
    this.takeovers++;
    // A resync the slot check queued before the lead was taken goes out now.
    this.publish();
    this.options.logger.info({ event: 'feed.relay_leader', slot: this.slot, notify_triggers: this.triggersKept ? 'kept' : 'disabled' }, 'WAL relay leads');
    this.lagTimer = setInterval(() => void this.tick(), LEADER_HEARTBEAT_MS);
    void this.consume();
  }

  /** Streams from the slot (wal-consumer.ts) while leading; a slot that cannot be checked gives up the lead. */
  private async consume(): Promise<void> {
    const err = await this.consumer.run(this.slot);
    if (!err || !this.leader || this.stopped) return;
    await this.resign();
    this.onLockLost(undefined, err);
  }

  /**
   * A follower heard nothing from the leader for too long (event loop blocked, publishing stuck): its lock
   * session is ended, so this instance's campaign (or another's) takes the lead.
   */
  async takeOver(): Promise<void> {
    if (this.leader || this.stopped) return;
    const pid = await terminateLeader(this.options.databaseUrl, RELAY_APPLICATION_NAME);
    this.options.logger.warn({ event: 'feed.relay_takeover', terminated_pid: pid }, 'silent WAL relay leader ended; taking over');
  }

  /** The slot checked (relay-slot.ts); one created after changes were lost makes every instance resync. */
  private async checkSlot(): Promise<void> {
    const { created, resync } = await checkRelaySlot(this.lock!, this.slot, this.options.logger);
    if (created) this.slotsCreated++;
    if (!resync) return;
    this.queue.push({ rows: [['rs']], lsn: null, xid: null, commitTimeMs: Date.now() });
    this.publish();
  }

  /** Publishes committed transactions in numbered batches, confirming each batch's last LSN once committed. */
  private publish(): void {
    if (this.publishing || !this.lock || !this.leader) return;
    this.publishing = true;
    const queue = this.queue;
    void (async () => {
      while (queue.length > 0 && this.leader && this.queue === queue) {
        const wait = this.cadence.waitMs(queue);
        if (wait > 0) {
          await sleep(wait);
          continue;
        }
        const batch = this.cadence.take(queue);
        const lock = this.lock!;
        try {
          this.options.publishing?.(this.seq + 1);
          if (!(await insertBatch(lock, this.seq + 1, batch))) {
            await sleep(this.cadence.notVisible());
            continue;
          }
        } catch (err) {
          this.options.publishing?.(undefined);
          // The number is taken: another instance leads (this one was ended as silent), so this one does not.
          if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
            this.onLockLost(lock, err as Error);
            break;
          }
          this.options.logger.warn({ err: safeError(err), event: 'feed.relay_publish_failed' }, 'could not publish changes; retrying');
          await sleep(PUBLISH_RETRY_MS);
          continue;
        }
        this.seq++;
        this.lastPublishedMs = Date.now();
        this.cadence.published(batch);
        this.options.published?.(this.seq, batch.rows);
        if (this.queue !== queue) break;
        queue.splice(0, batch.transactions);
        if (batch.lsn) await this.consumer.acknowledge(batch.lsn);
      }
      this.publishing = false;
      // The lead was lost and taken again meanwhile: the new queue is this loop's to publish.
      if (this.queue !== queue && this.queue.length > 0) this.publish();
    })();
  }

  /** Every second while leading: the heartbeat when nothing was published meanwhile, the slot's lag, pruning now and then. */
  private async tick(): Promise<void> {
    const lock = this.lock;
    if (!lock || !this.leader) return;
    // Also while a batch waits for its transactions to become visible: the leader is relaying, not silent.
    const quiet = Date.now() - this.lastPublishedMs >= LEADER_HEARTBEAT_MS / 2;
    this.consumer.checkStall(this.slot);
    // Only while a stream delivers, so followers notice a leader that cannot stream.
    if (quiet && this.consumer.streaming) await lock.query(NOTIFY_SQL, [CHANGE_CHANNEL, JSON.stringify({ t: 'lh', s: this.seq })]).catch(() => undefined);
    if (++this.ticks % PRUNE_EVERY_TICKS === 0) await lock.query(PRUNE_BATCHES_SQL, [BATCH_RETENTION_SECONDS]).catch(() => undefined);
    this.lagBytes = await slotLagBytes(lock, this.slot).catch(() => this.lagBytes);
    if (this.triggersKept) this.triggersKept = await retireNotifyTriggers(lock).catch(() => true);
  }

  /** `lock` undefined: the lead was given up already (the slot could not be checked). */
  private onLockLost(lock: pg.Client | undefined, err?: Error): void {
    if ((lock !== undefined && lock !== this.lock) || this.stopped) return;
    const wasLeader = this.leader || lock === undefined;
    if (wasLeader) this.options.logger.warn({ err: err && safeError(err), event: 'feed.relay_lost_lead' }, 'WAL relay lost its lock session; campaigning again');
    void this.resign().then(() => (wasLeader ? this.campaign() : undefined));
  }

  /** Lets go of the lead (and the lock session): unpublished changes are unconfirmed, the next leader sends them. */
  private async resign(): Promise<void> {
    this.leader = false;
    clearInterval(this.lagTimer);
    this.queue = [];
    this.lagBytes = null;
    const lock = this.lock;
    this.lock = undefined;
    await this.consumer.stop();
    if (lock) {
      lock.removeAllListeners();
      lock.on('error', () => undefined);
      await lock.end().catch(() => undefined);
    }
  }
}
