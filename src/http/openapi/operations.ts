import { z } from 'zod';
import type { ErrorCode } from '../../errors';
import { assetIdParams, createAssetBody, listAssetsQuery, updateAssetBody } from '../routes/assets/schema';
import { loginBody } from '../routes/auth-routes';
import { recentTicketsQuery } from '../routes/ticket-routes';
import { contactAssetsQuery, contactParams } from '../routes/contact-routes';
import { bulkWidgetQuery, widgetParams } from '../routes/widget-routes';
import * as out from './response-schemas';

export type Access = 'public' | 'user' | 'admin';

/** One route as the OpenAPI document describes it; the request schemas are the ones the route validates with. */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Koa style, `/api/assets/:id`. */
  path: string;
  summary: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  ok: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  /** Answers other than the success and the error table's, with their own body. */
  otherResponses?: Array<{ status: number; description: string; schema: z.ZodType }>;
  /** Errors this route answers beyond those every route of its kind can (see document.ts). */
  errors?: ErrorCode[];
  /** `read`: ETag + If-None-Match → 304; `write`: If-Match → 412 (428 with REQUIRE_IF_MATCH). */
  conditional?: 'read' | 'write';
  /** Mounted only with BENCH_ROUTES=true. */
  bench?: true;
}

export const OPERATIONS: Operation[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness: the process runs', access: 'public', ok: { status: 200, description: 'alive', schema: out.healthSchema } },
  {
    method: 'get', path: '/readyz', summary: 'Readiness for a load balancer', access: 'public',
    ok: { status: 200, description: 'ready', schema: out.readySchema },
    otherResponses: [{ status: 503, description: 'not ready: the reason says why', schema: out.readySchema }],
  },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', access: 'public', ok: { status: 200, description: 'Prometheus text format', contentType: 'text/plain' } },
  { method: 'get', path: '/api/openapi.json', summary: 'This document', access: 'public', ok: { status: 200, description: 'OpenAPI 3.1', schema: z.looseObject({ openapi: z.string() }) } },
  {
    method: 'post', path: '/api/auth/login', summary: 'Browser sign-in: sets the session cookie', access: 'public', body: loginBody,
    ok: { status: 200, description: 'signed in; Set-Cookie awc_session', schema: out.signedInSchema }, errors: ['INVALID_CREDENTIALS', 'RATE_LIMITED'],
  },
  { method: 'post', path: '/api/auth/logout', summary: 'Ends the browser session', access: 'public', ok: { status: 204, description: 'signed out' } },
  {
    method: 'get', path: '/api/assets/widget/:ticketId', summary: "The ticket widget: the contact's two newest active assets", access: 'user',
    params: widgetParams, conditional: 'read', ok: { status: 200, description: 'the widget body', schema: out.widgetSchema }, errors: ['TICKET_NOT_FOUND'],
  },
  {
    method: 'get', path: '/api/assets/widget/:ticketId/events', summary: 'Live widget (Server-Sent Events): the body again whenever it changes', access: 'user',
    params: widgetParams, errors: ['TICKET_NOT_FOUND', 'STREAM_LIMIT'],
    ok: { status: 200, description: 'text/event-stream: events whose id is the ETag and data the widget body; Last-Event-ID skips an unchanged first event', contentType: 'text/event-stream' },
  },
  {
    method: 'get', path: '/api/assets/widget', summary: 'Widgets of many tickets in one call (1–100 ids)', access: 'user',
    query: bulkWidgetQuery, ok: { status: 200, description: 'widgets by ticket id, and the ids that are no tickets', schema: out.bulkWidgetsSchema },
  },
  {
    method: 'post', path: '/api/assets/cache/refresh', summary: 'Rebuild the cache now', access: 'admin',
    ok: { status: 200, description: 'rebuilt', schema: out.refreshResultSchema }, errors: ['CACHE_UNAVAILABLE'],
  },
  { method: 'get', path: '/api/assets/cache/stats', summary: 'Cache figures for operators', access: 'user', ok: { status: 200, description: 'stats', schema: out.cacheStatsSchema } },
  {
    method: 'get', path: '/api/assets', summary: 'List assets (keyset pages by id)', access: 'user', query: listAssetsQuery,
    ok: { status: 200, description: 'one page', schema: out.assetPageSchema },
  },
  {
    method: 'post', path: '/api/assets', summary: 'Create an asset', access: 'user', body: createAssetBody,
    ok: { status: 201, description: 'created; Location and ETag set', schema: out.assetSchema },
  },
  {
    method: 'get', path: '/api/assets/:id', summary: 'One asset', access: 'user', params: assetIdParams, conditional: 'read',
    ok: { status: 200, description: 'the asset', schema: out.assetSchema }, errors: ['ASSET_NOT_FOUND'],
  },
  {
    method: 'put', path: '/api/assets/:id', summary: 'Change the fields sent', access: 'user', params: assetIdParams, body: updateAssetBody, conditional: 'write',
    ok: { status: 200, description: 'the changed asset', schema: out.assetSchema }, errors: ['ASSET_NOT_FOUND'],
  },
  {
    method: 'delete', path: '/api/assets/:id', summary: 'Retire an asset', access: 'user', params: assetIdParams, conditional: 'write',
    ok: { status: 200, description: 'the retired asset', schema: out.assetSchema }, errors: ['ASSET_NOT_FOUND'],
  },
  {
    method: 'delete', path: '/api/assets/:id/permanent', summary: 'Delete an asset for good', access: 'admin', params: assetIdParams, conditional: 'write',
    ok: { status: 204, description: 'deleted' }, errors: ['ASSET_NOT_FOUND'],
  },
  {
    method: 'get', path: '/api/tickets', summary: 'Newest tickets (demo pages)', access: 'user', query: recentTicketsQuery,
    ok: { status: 200, description: 'tickets', schema: out.ticketListSchema },
  },
  {
    method: 'get', path: '/api/contacts/:contactId/assets', summary: "Every active asset of a contact, newest first, a page at a time", access: 'user',
    params: contactParams, query: contactAssetsQuery, conditional: 'read',
    ok: { status: 200, description: 'one page', schema: out.contactAssetsSchema }, errors: ['CONTACT_NOT_FOUND'],
  },
  { method: 'get', path: '/api/ui/config', summary: "The widget's link templates", access: 'user', ok: { status: 200, description: 'settings', schema: out.uiConfigSchema } },
  { method: 'get', path: '/bench/noop', summary: 'Load-test ceiling: a bare route', access: 'public', bench: true, ok: { status: 200, description: 'ok', schema: z.object({ ok: z.literal(true) }) } },
  {
    method: 'get', path: '/api/bench/widget-sql/:ticketId', summary: 'Load-test peer: the widget from SQL only', access: 'user', bench: true,
    params: widgetParams, ok: { status: 200, description: 'the widget body', schema: out.widgetSchema }, errors: ['TICKET_NOT_FOUND'],
  },
];
