import type { AssetWrite } from '../src/cache/protocol';
import { encodeAssetFragment, type IndexChange } from './asset-index';
import { isoToMicros } from './iso-micros';

/** Turns a committed write into the index change it implies: only active assets are cached. */
export function toIndexChange(write: AssetWrite): IndexChange {
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
