import type { AssetWrite } from '../src/cache/protocol';
import { encodeAssetFragment, type AssetChange } from './asset-index';

/**
 * Microseconds since the epoch from an ISO-8601 UTC timestamp with up to six fractional digits. Date.parse
 * keeps only milliseconds, and ordering ties between assets created in the same millisecond need the rest.
 */
export function isoToMicros(iso: string): number {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(iso);
  if (!match) throw new Error(`not an ISO-8601 UTC timestamp: ${iso}`);
  const seconds = Date.parse(`${match[1]}Z`);
  if (Number.isNaN(seconds)) throw new Error(`not an ISO-8601 UTC timestamp: ${iso}`);
  return seconds * 1000 + Number((match[2] ?? '').padEnd(6, '0'));
}

/** Turns a committed write into the index change it implies: only active assets are cached. */
export function toAssetChange(write: AssetWrite): AssetChange {
  if (write.kind === 'delete') return { kind: 'remove', id: write.id, version: Infinity };
  const version = Number(write.version);
  if (write.status !== 'active') return { kind: 'remove', id: write.id, version };
  return {
    kind: 'upsert',
    entry: {
      id: write.id,
      contactId: write.contactId ?? 0,
      clientId: write.clientId,
      createdAtUs: isoToMicros(write.createdAt),
      version,
      fragment: encodeAssetFragment({ ...write }),
    },
  };
}
