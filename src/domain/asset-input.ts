/**
 * What a caller may ask of the asset service, below both layers that use it: the HTTP schema (zod) produces
 * these shapes from a request, the service consumes them, and neither imports the other.
 */

export const ASSET_STATUSES = ['active', 'in_repair', 'inactive', 'retired'] as const;
type AssetStatus = (typeof ASSET_STATUSES)[number];

/** A new asset. Dates are YYYY-MM-DD text; null clears an optional field. */
export interface CreateAssetInput {
  hostname: string;
  client_id: number;
  contact_id?: number | null | undefined;
  manufacturer?: string | null | undefined;
  model?: string | null | undefined;
  serial_number?: string | null | undefined;
  in_service_date: string;
  warranty_expiration_date?: string | null | undefined;
  pdq_device_id?: string | null | undefined;
  screenconnect_session_id?: string | null | undefined;
  status?: AssetStatus | undefined;
}

/** The fields of an asset to change (at least one); the others stay as they are. */
export type UpdateAssetInput = Partial<CreateAssetInput>;

/** A page of assets, filtered; `cursor` is the last id of the previous page. */
export interface ListAssetsQuery {
  contact_id?: number | undefined;
  client_id?: number | undefined;
  status?: AssetStatus | undefined;
  limit?: number | undefined;
  cursor?: number | undefined;
}
