import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { safeError, type Logger } from '../src/logger';
import type { AssetIndex } from './asset-index';
import type { ChangeApplier } from './change-applier';
import type { Directory } from './directory';
import { ASSETS_COMPARED, AUDIT_SQL, type AuditRow, type AuditSubject } from './sql/audit';

const DEFAULT_SETTLE_MS = 1_000;
const SETTLE_POLL_MS = 25;
/** Confirmed drifts within this window, this many times, mean the feed is losing changes: resync. */
const REPEAT_WINDOW_MS = 10 * 60_000;
const REPEATS_BEFORE_RESYNC = 3;
const LOGGED_IDS = 20;

/** `ok`: the cache agreed with SQL (perhaps after a change in flight landed); `drift`: it did not. */
export type AuditOutcome = 'ok' | 'drift' | 'skipped';

export interface DriftAuditOptions {
  pool: pg.Pool;
  index: AssetIndex;
  directory: Directory;
  applier: ChangeApplier;
  logger: Logger;
  /** CACHE_AUDIT_PER_MINUTE: samples per minute, alternately a ticket and a contact; 0 = off. */
  perMinute: number;
  /** Only a cache that answers is audited. */
  isReady(): boolean;
  /** Drift a re-read did not repair, or drift that keeps coming back: the cache must resync. */
  onDistrust(reason: 'drift_unrepaired' | 'drift_repeated'): void;
  /** How long a change may take to land before a difference counts (propagation p99 is a few ms). */
  settleMs?: number;
  random?: () => number;
}

/** A ticket's or contact's widget data, as SQL has it or as the cache would answer it. */
interface View {
  /** Ticket samples only: the ticket's contact, 0 = none, null = no such ticket. */
  ticketContact?: number | null;
  /** The contact's name, null = no such contact (or none). */
  name: string | null;
  total: number;
  /** The newest ASSETS_COMPARED active assets, newest first: [id, version, widget object]. */
  assets: Array<[number, number, unknown]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The cache auditing itself, for what nobody thought of: in the background, at a low rate, one ticket or
 * contact is read from SQL (one indexed statement) and compared with what the cache would answer. A
 * difference is only counted once it survives a settle time with SQL unchanged (so a change still in flight
 * is not drift); then it is logged with the ids and repaired by re-reading them. Drift a re-read does not
 * repair (the cache holds a version SQL no longer has), or drift seen again and again (the feed is losing
 * changes), makes the cache resync.
 */
export class DriftAudit {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private stopped = false;
  private next: AuditSubject = 'ticket';
  private recentDrift: number[] = [];
  private readonly settleMs: number;
  private readonly random: () => number;
  /** Samples compared. */
  checks = 0;
  /** Confirmed differences (asset_cache_drift_total). */
  drift = 0;
  /** Drifts a re-read repaired. */
  repaired = 0;
  lastDriftAt: number | null = null;

  constructor(private readonly options: DriftAuditOptions) {
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (this.options.perMinute <= 0 || this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(), 60_000 / this.options.perMinute);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy || !this.live()) return;
    this.busy = true;
    const subject = this.next;
    this.next = subject === 'ticket' ? 'contact' : 'ticket';
    try {
      await this.check(subject);
    } catch (err) {
      if (this.live()) this.options.logger.warn({ err: safeError(err), event: 'cache.audit_failed', subject }, 'cache audit sample failed');
    } finally {
      this.busy = false;
    }
  }

  /** Audits one ticket or contact: `id`, or a random one. */
  async check(subject: AuditSubject, id?: number): Promise<AuditOutcome> {
    if (!this.live()) return 'skipped';
    const started = Date.now();
    const first = await this.read(subject, id);
    if (first === undefined) return 'skipped';
    const subjectId = first.id;
    this.checks++;
    if (this.agrees(subject, subjectId, first.view)) return 'ok';

    // A change may be in flight: give it time to land, then ask SQL again.
    await this.settle(started);
    const again = await this.read(subject, subjectId);
    if (!this.live()) return 'skipped';
    const sql = again?.view ?? this.absent(subject);
    if (this.agrees(subject, subjectId, sql)) return 'ok';
    // SQL moved meanwhile: not conclusive; a later sample will look again.
    if (!isDeepStrictEqual(sql, first.view)) return 'skipped';

    this.drift++;
    this.lastDriftAt = Date.now();
    const cache = this.cacheView(subject, subjectId);
    const ids = this.involvedIds(subject, subjectId, sql, cache);
    this.options.logger.warn(
      {
        event: 'cache.drift',
        subject,
        [`${subject}_id`]: subjectId,
        contact_ids: ids.contacts,
        differs: Object.keys(sql).filter((k) => !isDeepStrictEqual(sql[k as keyof View], cache[k as keyof View])),
        asset_ids: ids.assets.slice(0, LOGGED_IDS),
      },
      'cache differs from SQL: re-reading the rows involved',
    );
    this.repair(subject, subjectId, ids);
    await this.settle(Date.now());
    const after = (await this.read(subject, subjectId))?.view ?? this.absent(subject);
    if (!this.live()) return 'drift';
    if (this.agrees(subject, subjectId, after)) {
      this.repaired++;
    } else if (isDeepStrictEqual(after, sql)) {
      // Still different from a SQL answer that has not moved: only a resync can bring the cache back.
      this.options.logger.error({ event: 'cache.drift_unrepaired', subject, [`${subject}_id`]: subjectId }, 'a re-read did not repair the drift: resyncing');
      this.options.onDistrust('drift_unrepaired');
      return 'drift';
    }
    // Repaired, or SQL moved meanwhile (a later sample will look again); either way it counts towards repeats.
    const now = Date.now();
    this.recentDrift = [...this.recentDrift.filter((at) => now - at < REPEAT_WINDOW_MS), now];
    if (this.recentDrift.length >= REPEATS_BEFORE_RESYNC) {
      this.recentDrift = [];
      this.options.logger.error({ event: 'cache.drift_repeated', window_ms: REPEAT_WINDOW_MS }, 'drift keeps coming back: resyncing');
      this.options.onDistrust('drift_repeated');
    }
    return 'drift';
  }

  /** Audits only a cache that answers lookups, and nothing once stopped (the worker is closing). */
  private live(): boolean {
    return !this.stopped && this.options.isReady();
  }

  private async read(subject: AuditSubject, id?: number): Promise<{ id: number; view: View } | undefined> {
    const { rows } = await this.options.pool.query<AuditRow>(AUDIT_SQL[subject][id === undefined ? 'random' : 'exact'], [id ?? this.random()]);
    const row = rows[0];
    if (row === undefined) return undefined;
    const view: View = { name: row.name, total: row.total, assets: row.assets };
    if (subject === 'ticket') view.ticketContact = row.contact_id ?? 0;
    return { id: subject === 'ticket' ? row.ticket_id! : row.contact_id!, view };
  }

  /** What SQL says about a ticket or contact that no longer exists. */
  private absent(subject: AuditSubject): View {
    const view: View = { name: null, total: 0, assets: [] };
    if (subject === 'ticket') view.ticketContact = null;
    return view;
  }

  /** What the cache would answer, through the same public reads the lookups use. */
  private cacheView(subject: AuditSubject, id: number): View {
    const { index, directory } = this.options;
    let contactId = id;
    const view: View = { name: null, total: 0, assets: [] };
    if (subject === 'ticket') {
      const known = directory.contactOfTicket(id);
      view.ticketContact = known ?? null;
      contactId = known ?? 0;
    }
    if (contactId === 0) return view;
    const name = directory.nameJson(contactId);
    view.name = name === undefined ? null : (JSON.parse(name) as string);
    const slice = index.widget(contactId, ASSETS_COMPARED);
    view.total = slice.total;
    view.assets = (JSON.parse(slice.assetsJson) as Array<{ id: number }>).map((a) => [a.id, index.versionOf(a.id), a]);
    return view;
  }

  private agrees(subject: AuditSubject, id: number, sql: View): boolean {
    return isDeepStrictEqual(this.cacheView(subject, id), sql);
  }

  /** The rows whose re-read can bring the cache back to SQL: the subject, both sides' contacts, every asset either side lists. */
  private involvedIds(subject: AuditSubject, id: number, sql: View, cache: View) {
    const contacts = new Set<number>();
    if (subject === 'contact') contacts.add(id);
    for (const view of [sql, cache]) if (view.ticketContact) contacts.add(view.ticketContact);
    const assets = new Set<number>();
    for (const view of [sql, cache]) for (const [assetId] of view.assets) assets.add(assetId);
    return { contacts: [...contacts], assets: [...assets] };
  }

  private repair(subject: AuditSubject, id: number, ids: { contacts: number[]; assets: number[] }): void {
    const { applier } = this.options;
    if (subject === 'ticket') applier.add('ticket', id);
    for (const contactId of ids.contacts) applier.add('contact', contactId);
    for (const assetId of ids.assets) applier.add('asset', assetId);
  }

  /** Waits settleMs, then until nothing noted before `since` is still waiting to be applied. */
  private async settle(since: number): Promise<void> {
    await sleep(this.settleMs);
    const deadline = Date.now() + this.settleMs * 4;
    for (;;) {
      const oldest = this.options.applier.oldestUnapplied;
      if (oldest === null || oldest > since || Date.now() >= deadline) return;
      await sleep(SETTLE_POLL_MS);
    }
  }
}
