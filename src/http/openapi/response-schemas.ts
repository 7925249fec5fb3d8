import { z } from 'zod';
import { ERROR_CODES } from '../../errors';
import { ASSET_STATUSES } from '../../domain/asset-input';

/**
 * What the API answers, as zod schemas: only the OpenAPI document uses them (requests are validated with the
 * schemas beside their routes, which the document reuses as they are).
 */
const id = z.int().min(1);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const timestamp = z.iso.datetime();
const nullableText = z.string().nullable();

export const assetSchema = z
  .object({
    id,
    hostname: z.string(),
    client_id: id,
    contact_id: id.nullable(),
    manufacturer: nullableText,
    model: nullableText,
    serial_number: nullableText,
    in_service_date: date,
    warranty_expiration_date: date.nullable(),
    pdq_device_id: nullableText,
    screenconnect_session_id: nullableText,
    status: z.enum(ASSET_STATUSES),
    retired_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    version: z.string().regex(/^\d+$/).describe('Row version; the asset ETag is "v<version>"'),
  });

export const assetPageSchema = z.object({ assets: z.array(assetSchema), next_cursor: z.string().nullable() });

export const widgetSchema = z
  .object({
    assets: z
      .array(
        z.object({
          id,
          hostname: z.string(),
          warranty_expiration_date: date.nullable(),
          status: z.enum(ASSET_STATUSES),
          screenconnect_session_id: nullableText,
          pdq_device_id: nullableText,
        }),
      )
      .max(2),
    contact_name: nullableText,
    total_assets: z.int().min(0),
  });

export const bulkWidgetsSchema = z.object({
  widgets: z.record(z.string().regex(/^\d+$/), widgetSchema).describe('Ticket id → the body GET /api/assets/widget/{ticketId} sends'),
  not_found: z.array(id),
});

export const contactAssetsSchema = z.object({
  assets: widgetSchema.shape.assets.element.array(),
  total_assets: z.int().min(0),
  next_cursor: z.string().nullable().describe('Pass back as `cursor` for the next page; null on the last'),
});

const cacheState = z.enum(['cold', 'warming', 'ready', 'degraded']);

export const cacheStatsSchema = z
  .looseObject({
    state: cacheState,
    hits: z.int(),
    misses: z.int(),
    hit_rate: z.number(),
    size: z.int(),
    contacts: z.int(),
    tickets: z.int(),
    last_warmup: timestamp.nullable(),
    warm_duration_ms: z.number().nullable(),
    refreshes: z.int(),
    refresh_failures: z.int(),
    feed_connected: z.boolean(),
    worker_available: z.boolean(),
  })
  .describe('Operator figures; more fields than these may appear.');

export const refreshResultSchema = z.object({ message: z.string(), cache_size: z.int(), duration_ms: z.number() });

export const ticketListSchema = z.object({
  tickets: z.array(z.object({ id, description: nullableText, state: nullableText, created_at: timestamp, contact_name: nullableText })),
});

export const uiConfigSchema = z.object({ screenconnect_url_template: nullableText, pdq_url_template: nullableText });

export const signedInSchema = z.object({ user: z.object({ id, email: z.string(), role: z.enum(['admin', 'technician']) }) });

export const healthSchema = z.object({ status: z.literal('ok') });

export const readySchema = z.union([
  z.object({ status: z.literal('ready') }).loose(),
  z.object({ status: z.literal('not_ready'), reason: z.string() }).loose(),
]);

const errorCode = z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...Array<keyof typeof ERROR_CODES>]);
const errorExtras = {
  code: errorCode,
  fields: z.array(z.object({ field: z.string(), message: z.string() })).max(20).optional(),
  current_version: z.string().optional().describe('412 only: the version the asset has now'),
};

export const errorSchema = z.object({ error: z.string(), ...errorExtras });

export const problemSchema = z
  .object({ type: z.string(), title: z.string(), status: z.int(), detail: z.string(), ...errorExtras })
  .describe('RFC 9457 problem details, sent when Accept prefers application/problem+json');
