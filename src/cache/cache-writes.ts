import type { AssetWrite } from '../services/asset-service';
import type { CacheWrite } from './protocol';

/** The part of a committed asset write the cache worker needs. */
export function toCacheWrite(write: AssetWrite): CacheWrite {
  if (write.kind === 'deleted') return { kind: 'delete', id: write.id };
  const a = write.asset;
  return {
    kind: 'upsert',
    id: a.id,
    contactId: a.contact_id,
    clientId: a.client_id,
    createdAt: a.created_at,
    version: a.version,
    status: a.status,
    hostname: a.hostname,
    warranty_expiration_date: a.warranty_expiration_date,
    screenconnect_session_id: a.screenconnect_session_id,
    pdq_device_id: a.pdq_device_id,
  };
}
