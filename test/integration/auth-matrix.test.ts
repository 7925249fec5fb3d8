import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetBody, makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

type Who = 'nobody' | 'technician' | 'admin';
interface Route {
  name: string;
  request: (ids: { asset: number; client: number; contact: number; ticket: number }) => { path: string; method: string; json?: unknown };
  allowed: Who[];
}

/** Every /api route (the load-test peers aside, which are off in production): who may call it. Success statuses differ per route, so "allowed" means neither 401 nor 403. */
const ROUTES: Route[] = [
  { name: 'GET /api/assets', request: () => ({ method: 'GET', path: '/api/assets' }), allowed: ['technician', 'admin'] },
  { name: 'POST /api/assets', request: (i) => ({ method: 'POST', path: '/api/assets', json: assetBody(i.client, i.contact) }), allowed: ['technician', 'admin'] },
  { name: 'GET /api/assets/:id', request: (i) => ({ method: 'GET', path: `/api/assets/${i.asset}` }), allowed: ['technician', 'admin'] },
  { name: 'PUT /api/assets/:id', request: (i) => ({ method: 'PUT', path: `/api/assets/${i.asset}`, json: { model: 'X1' } }), allowed: ['technician', 'admin'] },
  { name: 'DELETE /api/assets/:id', request: (i) => ({ method: 'DELETE', path: `/api/assets/${i.asset}` }), allowed: ['technician', 'admin'] },
  { name: 'DELETE /api/assets/:id/permanent', request: (i) => ({ method: 'DELETE', path: `/api/assets/${i.asset}/permanent` }), allowed: ['admin'] },
  { name: 'GET /api/assets/widget/:ticketId', request: (i) => ({ method: 'GET', path: `/api/assets/widget/${i.ticket}` }), allowed: ['technician', 'admin'] },
  { name: 'GET /api/assets/cache/stats', request: () => ({ method: 'GET', path: '/api/assets/cache/stats' }), allowed: ['technician', 'admin'] },
  { name: 'POST /api/assets/cache/refresh', request: () => ({ method: 'POST', path: '/api/assets/cache/refresh' }), allowed: ['admin'] },
];

describe('authorization matrix: every route × no credentials / technician / admin', () => {
  let t: TestService;
  let client: number;
  let contact: number;
  let ticket: number;
  beforeAll(async () => {
    t = await startTestService();
    client = (await makeClient(t.db.pool)).id;
    contact = (await makeContact(t.db.pool, client)).id;
    ticket = (await makeTicket(t.db.pool, client, contact)).id;
  });
  afterAll(() => t.stop());

  for (const route of ROUTES) {
    for (const who of ['nobody', 'technician', 'admin'] as Who[]) {
      const expected = route.allowed.includes(who) ? 'allowed' : who === 'nobody' ? 401 : 403;
      it(`${route.name} as ${who} → ${expected}`, async () => {
        const asset = (await t.call('/api/assets', { method: 'POST', token: t.adminToken, json: assetBody(client, contact) })).body.id;
        const { path, method, json } = route.request({ asset, client, contact, ticket });
        const token = who === 'technician' ? t.techToken : who === 'admin' ? t.adminToken : undefined;
        const res = await t.call(path, { method, json, token });
        if (expected === 'allowed') {
          expect(res.status).toBeGreaterThanOrEqual(200);
          expect(res.status).toBeLessThan(300);
        } else {
          expect(res.status).toBe(expected);
          expect(res.body.code).toBe(expected === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
        }
      });
    }
  }
});
