/**
 * The change feed's notification payloads, validated before anything acts on them. The triggers
 * (002-change-feed.sql) send `{"t":"a","op":"i|u|d","id":…,"v":…}` for assets and `{"t":"c|t","op":…,"id":…}`
 * for contacts and tickets; the feed sends itself `{"t":"hb","n":…}`; the WAL relay (wal-relay.ts) sends
 * `{"t":"b","s":n}` for each batch it publishes and `{"t":"lh","s":n}`, its idle heartbeat, with the last. Anyone who may NOTIFY on the channel
 * can send anything else, so an id out of the integer range (which would make the whole re-read of its batch
 * fail) or a version that is not a row version is refused here, one payload at a time, never the batch.
 */

export type ChangeKind = 'asset' | 'ticket' | 'contact';

/** Why a payload was refused; each is counted and logged once (asset_cache_feed_invalid_total). */
export type InvalidReason = 'not_json' | 'not_object' | 'unknown_kind' | 'bad_op' | 'bad_id' | 'bad_version' | 'bad_heartbeat' | 'bad_seq';

export type ChangeMessage =
  /** `version`: the asset row's version after an insert or update; absent for deletes and other kinds. */
  | { type: 'change'; kind: ChangeKind; id: number; version?: number }
  | { type: 'heartbeat'; nonce: string }
  /** From the WAL relay: batch `seq` was published (`batch`), or its heartbeat says it is the last one. */
  | { type: 'relay'; seq: number; batch: boolean }
  | { type: 'invalid'; reason: InvalidReason };

const KINDS: Record<string, ChangeKind> = { a: 'asset', t: 'ticket', c: 'contact' };
const OPS = new Set(['i', 'u', 'd']);
/** Every id the cache reads is a PostgreSQL `integer` (SERIAL). */
export const MAX_ID = 2 ** 31 - 1;

const invalid = (reason: InvalidReason): ChangeMessage => ({ type: 'invalid', reason });

export const isRowId = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_ID;

/** A row version from asset_version_seq: a positive integer JavaScript holds exactly. */
const isVersion = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1;

export function parseChangeMessage(payload: string | undefined): ChangeMessage {
  let message: unknown;
  try {
    message = JSON.parse(payload ?? '');
  } catch {
    return invalid('not_json');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return invalid('not_object');
  const { t, op, id, v, n, s } = message as Record<string, unknown>;
  if (t === 'b' || t === 'lh') return Number.isSafeInteger(s) && (s as number) >= 0 ? { type: 'relay', seq: s as number, batch: t === 'b' } : invalid('bad_seq');
  if (t === 'hb') return typeof n === 'string' && n.length > 0 ? { type: 'heartbeat', nonce: n } : invalid('bad_heartbeat');
  const kind = typeof t === 'string' && Object.hasOwn(KINDS, t) ? KINDS[t]! : undefined;
  if (kind === undefined) return invalid('unknown_kind');
  if (typeof op !== 'string' || !OPS.has(op)) return invalid('bad_op');
  if (!isRowId(id)) return invalid('bad_id');
  if (kind !== 'asset') return { type: 'change', kind, id };
  // A delete is always re-read, so it needs no version.
  if (op === 'd' && v === undefined) return { type: 'change', kind, id };
  // Every other asset notification carries the row's version (a trigger's delete: the version the row had).
  if (!isVersion(v)) return invalid('bad_version');
  // A delete's version may be one the cache already holds: it must always be re-read, so it carries none.
  return op === 'd' ? { type: 'change', kind, id } : { type: 'change', kind, id, version: v };
}
