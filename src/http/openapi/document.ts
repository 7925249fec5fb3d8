import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../../errors';
import { OPERATIONS, type Operation } from './operations';
import * as out from './response-schemas';

type JsonObject = Record<string, unknown>;

/** Named once under components, referenced wherever an operation answers them. */
const COMPONENTS: Array<[string, z.ZodType]> = [
  ['Asset', out.assetSchema],
  ['AssetPage', out.assetPageSchema],
  ['Widget', out.widgetSchema],
  ['CacheStats', out.cacheStatsSchema],
  ['Error', out.errorSchema],
  ['Problem', out.problemSchema],
];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

function schemaOrRef(schema: z.ZodType): JsonObject {
  const named = COMPONENTS.find(([, s]) => s === schema);
  return named ? { $ref: `#/components/schemas/${named[0]}` } : jsonSchema(schema, 'output');
}

/** The errors a route can answer by its kind, plus its own; the error table gives their statuses. */
function errorCodesOf(op: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>(['INTERNAL', ...(op.errors ?? [])]);
  const touchesDatabase = op.access !== 'public' || op.path.startsWith('/api/auth');
  if (touchesDatabase) codes.add('SERVICE_UNAVAILABLE');
  if (op.access !== 'public') codes.add('UNAUTHENTICATED');
  if (op.access !== 'public' && op.method !== 'get') codes.add('CSRF_REJECTED');
  if (op.access === 'admin') codes.add('FORBIDDEN');
  if (op.params || op.query || op.body) codes.add('VALIDATION_FAILED');
  if (op.body) for (const code of ['BAD_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const) codes.add(code);
  if (op.conditional === 'write') for (const code of ['PRECONDITION_FAILED', 'PRECONDITION_REQUIRED'] as const) codes.add(code);
  return [...codes];
}

const ERROR_CONTENT = {
  'application/json': { schema: { $ref: '#/components/schemas/Error' } },
  'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
};

function responsesOf(op: Operation): JsonObject {
  const ok: JsonObject = { description: op.ok.description };
  if (op.ok.contentType) ok.content = { [op.ok.contentType]: { schema: { type: 'string' } } };
  else if (op.ok.schema) ok.content = { 'application/json': { schema: schemaOrRef(op.ok.schema) } };
  if (op.conditional) ok.headers = { ETag: { $ref: '#/components/headers/ETag' } };
  const responses: JsonObject = { [op.ok.status]: ok };
  for (const other of op.otherResponses ?? []) {
    responses[other.status] = { description: other.description, content: { 'application/json': { schema: schemaOrRef(other.schema) } } };
  }
  if (op.conditional === 'read') responses['304'] = { description: 'Not Modified: If-None-Match holds the current ETag', headers: ok.headers };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(op)) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = { description: codes.map((c) => `${c}: ${ERROR_CODES[c].message}`).join('; '), content: ERROR_CONTENT };
  }
  return responses;
}

function parametersOf(op: Operation): JsonObject[] {
  const fromObject = (object: z.ZodObject | undefined, place: 'path' | 'query') =>
    Object.entries(object?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: place,
      required: place === 'path' || !(schema as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(schema as z.ZodType, 'input'),
    }));
  const headers =
    op.conditional === 'read'
      ? [{ $ref: '#/components/parameters/IfNoneMatch' }]
      : op.conditional === 'write'
        ? [{ $ref: '#/components/parameters/IfMatch' }]
        : [];
  return [...fromObject(op.params, 'path'), ...fromObject(op.query, 'query'), ...headers];
}

/** `/api/assets/:id` → `/api/assets/{id}`. */
export const openApiPath = (koaPath: string): string => koaPath.replace(/:(\w+)/g, '{$1}');

function operationObject(op: Operation): JsonObject {
  return {
    summary: op.summary,
    operationId: `${op.method}${openApiPath(op.path).replace(/[^\w]+(\w?)/g, (_, c: string) => c.toUpperCase())}`,
    security: op.access === 'public' ? [] : [{ bearer: [] }, { session: [] }],
    ...(op.access === 'admin' ? { description: 'Admin role only.' } : {}),
    parameters: parametersOf(op),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } } : {}),
    responses: responsesOf(op),
  };
}

/** The OpenAPI 3.1 document of the routes this configuration mounts. */
export function openApiDocument(options: { benchRoutes: boolean }): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const op of OPERATIONS.filter((o) => options.benchRoutes || !o.bench)) {
    const path = openApiPath(op.path);
    paths[path] = { ...paths[path], [op.method]: operationObject(op) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Asset widget cache',
      version: '1',
      description: 'The help-desk asset widget and the asset API. Errors are {error, code, fields?}, or RFC 9457 problem details when Accept prefers application/problem+json.',
    },
    paths,
    components: {
      schemas: Object.fromEntries(COMPONENTS.map(([name, schema]) => [name, jsonSchema(schema, 'output')])),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token (npm run user:create prints one)' },
        session: { type: 'apiKey', in: 'cookie', name: 'awc_session', description: 'The browser session from POST /api/auth/login; writes must come from our own origin' },
      },
      parameters: {
        IfNoneMatch: { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'An ETag you hold: 304 when it is current' },
        IfMatch: { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The ETag you read: 412 when the asset changed since (required with REQUIRE_IF_MATCH=true, else 428)' },
      },
      headers: { ETag: { schema: { type: 'string', pattern: '^"v\\d+"$' }, description: 'Strong tag from the row version' } },
    },
  };
}
