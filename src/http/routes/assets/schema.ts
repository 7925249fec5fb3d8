import { z } from 'zod';
import { ASSET_STATUSES, type CreateAssetInput, type ListAssetsQuery, type UpdateAssetInput } from '../../../domain/asset-input';

const MAX_INT32 = 2_147_483_647;

/** A path or query id: digits only (no "1e3", "0x10" or " 7"), positive, and within PostgreSQL INTEGER. */
export const idString = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, { message: 'must be a positive integer', abort: true })
  .transform(Number)
  .refine((n) => n <= MAX_INT32, 'must be at most 2147483647');

const id = z.number().int('must be an integer').min(1, 'must be a positive integer').max(MAX_INT32);

// PostgreSQL rejects NUL in text; refusing it here keeps that a 400 instead of a database error.
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');
const optionalText = (max: number) => text(max).nullable().optional();

/** A real calendar date written YYYY-MM-DD, in a sane range; kept as text end to end. */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date written YYYY-MM-DD', abort: true })
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    const year = Number(s.slice(0, 4));
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s) && year >= 1900 && year <= 2999;
  }, 'must be a valid calendar date between 1900 and 2999');

const assetFields = {
  hostname: text(255).trim().min(1, 'is required'),
  client_id: id,
  contact_id: id.nullable().optional(),
  manufacturer: optionalText(255),
  model: optionalText(255),
  serial_number: optionalText(255),
  in_service_date: isoDate,
  warranty_expiration_date: isoDate.nullable().optional(),
  pdq_device_id: optionalText(255),
  screenconnect_session_id: optionalText(255),
  status: z.enum(ASSET_STATUSES).optional(),
};

export const createAssetBody = z.strictObject(assetFields) satisfies z.ZodType<CreateAssetInput>;

export const updateAssetBody = z
  .strictObject({ ...assetFields, client_id: id.optional(), in_service_date: isoDate.optional(), hostname: assetFields.hostname.optional() })
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field') satisfies z.ZodType<UpdateAssetInput>;

export const assetIdParams = z.object({ id: idString });

/** A page size in a query string: digits only, 1 to `max`. */
export const pageLimit = (max: number) =>
  z
    .string()
    .regex(/^\d{1,3}$/, { message: `must be an integer from 1 to ${max}`, abort: true })
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be an integer from 1 to ${max}`);

export const listAssetsQuery = z.strictObject({
  contact_id: idString.optional(),
  client_id: idString.optional(),
  status: z.enum(ASSET_STATUSES).optional(),
  limit: pageLimit(500).optional(),
  cursor: idString.optional(),
}) satisfies z.ZodType<ListAssetsQuery>;
