import crypto from 'node:crypto';
import type pg from 'pg';
import {
  CREATE_SLOT_SQL,
  CURRENT_DATABASE_SQL,
  DROP_SLOT_IF_EXISTS_SQL,
  DROP_SLOT_SQL,
  LISTENER_PRESENT_SQL,
  SLOT_ACTIVE_SQL,
  SLOT_LAG_SQL,
  SLOT_STATUS_SQL,
} from './sql/relay';

/** The publication of 005-wal-publication.sql. */
export const PUBLICATION = 'awc_cache';

/**
 * Slots are cluster-wide, so the name carries the database: its name folded to what a slot name allows,
 * with a hash so two databases never share one.
 */
export function slotName(database: string): string {
  const hash = crypto.createHash('sha256').update(database).digest('hex').slice(0, 8);
  return `awc_cache_${database.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40)}_${hash}`;
}

/** The slot of the database `client` is connected to. */
export async function slotOfDatabase(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ database: string }>(CURRENT_DATABASE_SQL);
  return slotName(rows[0]!.database);
}

/** Whether a consumer is streaming from the slot now (it cannot be dropped then). */
export async function slotInUse(client: pg.ClientBase, slot: string): Promise<boolean> {
  const { rows } = await client.query(SLOT_ACTIVE_SQL, [slot]);
  return rows.length > 0;
}

export type SlotCheck = 'ready' | 'created' | 'recreated';

/**
 * Makes sure the slot exists and can still decode. A slot invalidated by max_slot_wal_keep_size (wal_status
 * `lost`) has dropped WAL the cache needed, so it is dropped and created anew; so is a missing one. Either
 * way changes may have been lost: `created` when none existed, `recreated` when a lost one was replaced.
 */
export async function ensureSlot(client: pg.ClientBase, slot: string): Promise<SlotCheck> {
  const { rows } = await client.query<{ wal_status: string | null }>(SLOT_STATUS_SQL, [slot]);
  if (rows.length === 1 && rows[0]!.wal_status !== 'lost') return 'ready';
  if (rows.length === 1) await client.query(DROP_SLOT_SQL, [slot]);
  await client.query(CREATE_SLOT_SQL, [slot]);
  return rows.length === 1 ? 'recreated' : 'created';
}

/** Drops the slot if it exists (and nobody consumes it); true when one was dropped. */
export async function dropSlot(client: pg.ClientBase, slot: string): Promise<boolean> {
  const { rows } = await client.query(DROP_SLOT_IF_EXISTS_SQL, [slot]);
  return rows.length > 0;
}

/** WAL the slot holds that the relay has not confirmed yet, in bytes; null when there is no slot. */
export async function slotLagBytes(client: pg.ClientBase, slot: string): Promise<number | null> {
  const { rows } = await client.query<{ lag: string | null }>(SLOT_LAG_SQL, [slot]);
  return rows[0]?.lag == null ? null : Math.max(0, Number(rows[0].lag));
}

/** Is a notify-mode instance listening on this database (it needs the triggers)? */
export async function notifyListenerPresent(client: pg.ClientBase, listenApplicationName: string): Promise<boolean> {
  const { rows } = await client.query(LISTENER_PRESENT_SQL, [listenApplicationName]);
  return rows.length > 0;
}

/**
 * What to pass to the library's acknowledge() so that the server is told `lsn` itself: it reports one past
 * the LSN given. One past a keepalive's position (where the next commit record may begin) would confirm
 * that commit before it was received, and a reconnect would then skip it.
 */
export function reportedAs(lsn: string): string {
  const [high, low] = lsn.split('/');
  const position = (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`) - 1n;
  if (position < 0n) return lsn;
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}
