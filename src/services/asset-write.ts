import type { AssetWrite } from '../cache/protocol';
import type { AssetRow } from '../db/repositories/assets';

/** The write the cache applies for a saved asset: the row's fields it serves and orders by. */
export function toAssetWrite(asset: AssetRow): AssetWrite {
  return {
    kind: 'upsert',
    id: asset.id,
    contactId: asset.contact_id,
    clientId: asset.client_id,
    createdAt: asset.created_at,
    version: asset.version,
    status: asset.status,
    hostname: asset.hostname,
    warranty_expiration_date: asset.warranty_expiration_date,
    screenconnect_session_id: asset.screenconnect_session_id,
    pdq_device_id: asset.pdq_device_id,
  };
}
