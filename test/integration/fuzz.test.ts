import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors';
import { assetTableDigest, makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

/** FUZZ_RUNS=10000 for the long mode; the default keeps `npm test` quick. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const idLike = fc.oneof(
  fc.integer({ min: -5, max: 50 }).map(String),
  fc.constantFrom('0', '2147483647', '2147483648', '99999999999999999999', '1e3', '0x10', '-1', '1.5', ' 7', '%00', "1'; DROP TABLE assets;--", '..%2F..%2Fetc%2Fpasswd'),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 6 }).map(encodeURIComponent),
);
const path = fc.oneof(
  fc.constant('/api/assets'),
  idLike.map((id) => `/api/assets/${id}`),
  idLike.map((id) => `/api/assets/${id}/permanent`),
  idLike.map((id) => `/api/assets/widget/${id}`),
  fc.constantFrom('/api/assets/cache/stats', '/api/assets/cache/refresh', '/api/auth/login', '/api/auth/logout', '/healthz', '/nope'),
  fc.tuple(fc.constantFrom('limit', 'cursor', 'status', 'contact_id', 'client_id', 'x'), idLike).map(([k, v]) => `/api/assets?${k}=${v}`),
);
const scalar = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom("' OR 1=1 --", '\u0000', 'a\u0000b', '2024-02-30', '2024-01-01', 'active', 'retired'));
const assetish = fc.record(
  {
    hostname: scalar,
    client_id: fc.oneof(scalar, fc.constant(1)),
    contact_id: fc.oneof(scalar, fc.constant(1)),
    in_service_date: scalar,
    warranty_expiration_date: scalar,
    status: scalar,
    model: scalar,
    email: scalar,
    password: scalar,
  },
  { requiredKeys: [] },
);
const nested = fc.integer({ min: 1, max: 5_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const body = fc.oneof(
  fc.constant(undefined),
  assetish.map((o) => JSON.stringify(o)),
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 200 }),
  nested,
  fc.constant('{"hostname": '),
);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
  path,
  body,
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined),
  auth: fc.constantFrom('tech', 'admin', 'none', 'garbage'),
});

describe('generated bad input against the running API', () => {
  let t: TestService;
  const codes = new Set(Object.keys(ERROR_CODES));
  beforeAll(async () => {
    t = await startTestService({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '10000', LOGIN_MAX_FAILURES_PER_ADDRESS: '100000' });
    const client = (await makeClient(t.db.pool)).id;
    const contact = await makeContact(t.db.pool, client);
    await makeTicket(t.db.pool, client, contact.id);
  });
  afterAll(() => t.stop());

  it(`never answers 5xx, always answers errors in the documented shape, and a rejected write changes nothing (${RUNS} requests)`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const before = await assetTableDigest(t.db.pool);
        const headers: Record<string, string> = {};
        if (r.contentType && r.body !== undefined) headers['content-type'] = r.contentType;
        if (r.auth === 'garbage') headers.authorization = 'Bearer awc_tok_garbage';
        const token = r.auth === 'tech' ? t.techToken : r.auth === 'admin' ? t.adminToken : undefined;
        const withBody = r.method !== 'GET' && r.method !== 'HEAD';
        const res = await t.call(r.path, { method: r.method, headers, token, body: withBody ? r.body : undefined });
        expect(res.status, `${r.method} ${r.path}`).toBeLessThan(500);
        if (res.status >= 400 && r.method !== 'HEAD') {
          expect(res.body).toMatchObject({ error: expect.any(String), code: expect.any(String) });
          expect(codes.has(res.body.code)).toBe(true);
        }
        if (res.status >= 400) expect(await assetTableDigest(t.db.pool)).toBe(before);
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647) },
    );
    expect((await t.call('/healthz')).status).toBe(200);
  }, 600_000);
});
