import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetBody, makeClient, makeContact, makeTicket } from '../helpers/factories';
import { registeredRoutes, type RegisteredRoute } from '../helpers/registered-routes';
import { startTestService, type TestService } from '../helpers/test-service';

/** The request exactly as written: fetch would normalise `/./`, `/../` and friends away before sending. */
function rawRequest(base: string, method: string, path: string, token?: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    // The status is all we need, and a live stream (Server-Sent Events) never ends: stop reading at the headers.
    const req = http.request({ hostname, port, method, path, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      resolve(res.statusCode!);
      res.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every spelling that some decoder, case-folder or normaliser between a client and us could read as `path`. */
function spellings(path: string): string[] {
  const rest = path.slice('/api'.length);
  const mixed = [...path].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
  return [
    path,
    path.toUpperCase(),
    mixed,
    `/Api${rest}`,
    `${path}/`,
    `/${path}`,
    `/api/${rest}`,
    `${path}//`,
    `/${path.slice(1).replaceAll('/', '%2F')}`,
    `/${path.slice(1).replaceAll('/', '%2f')}`,
    `/%61pi${rest}`,
    `/api/.${rest}`,
    `/x/..${path}`,
    `/api/x/..${rest}`,
    `/api/%2e${rest}`,
    `${path}?x=1`,
    `${path}#frag`,
  ];
}

/** Public on purpose; anything else must carry `authenticate`, so a new open route fails this test until named here. */
const PUBLIC = ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /api/openapi.json', 'POST /api/auth/login', 'POST /api/auth/logout', 'GET /bench/noop'];

const isPublic = (route: RegisteredRoute) => PUBLIC.includes(`${route.method} ${route.path}`);

describe('route guard: authentication belongs to the routes, whatever the path spelling', () => {
  let t: TestService;
  let routes: RegisteredRoute[];
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    t = await startTestService({ BENCH_ROUTES: 'true' });
    const client = (await makeClient(t.db.pool)).id;
    const contact = (await makeContact(t.db.pool, client)).id;
    ids.contactId = contact;
    ids.ticketId = (await makeTicket(t.db.pool, client, contact)).id;
    ids.id = (await t.call('/api/assets', { method: 'POST', token: t.adminToken, json: assetBody(client, contact) })).body.id;
    routes = registeredRoutes(t.service.app);
  });
  afterAll(() => t.stop());

  const concrete = (path: string) =>
    path.replace(/:(\w+)/g, (_, name: string) => {
      if (!(name in ids)) throw new Error(`route parameter :${name} has no test value: add one to the test`);
      return String(ids[name]);
    });

  it('finds the routers and knows which routes are public', () => {
    expect(routes.length).toBeGreaterThan(10);
    const open = routes.filter((r) => !r.authenticated).map((r) => `${r.method} ${r.path}`);
    expect(open.sort()).toEqual([...PUBLIC].sort());
  });

  it('answers 401 (or 404), never 2xx or 3xx, to every spelling of every protected route without credentials', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => !isPublic(r))) {
      for (const spelling of spellings(concrete(route.path))) {
        const status = await rawRequest(t.url, route.method, spelling);
        if (status !== 401 && status !== 404) failures.push(`${route.method} ${spelling} → ${status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers 401 without credentials and 404 with them for /api paths that match no route', async () => {
    for (const path of ['/api/nothing', '/API/assets', '/api', '/api/assets/1/nothing', '/Api/tickets']) {
      expect([path, await rawRequest(t.url, 'GET', path)]).toEqual([path, 401]);
      expect([path, await rawRequest(t.url, 'GET', path, t.adminToken)]).toEqual([path, 404]);
    }
  });

  it('holds each route\'s role rule for technician and admin', async () => {
    const failures: string[] = [];
    // Permanent deletes last, so the asset the other routes use still exists while they run.
    const ordered = routes.filter((r) => !isPublic(r)).sort((a, b) => Number(a.path.endsWith('/permanent')) - Number(b.path.endsWith('/permanent')));
    for (const route of ordered) {
      for (const [role, token] of [['technician', t.techToken], ['admin', t.adminToken]] as const) {
        const status = await rawRequest(t.url, route.method, concrete(route.path), token);
        const allowed = !route.roles || route.roles.includes(role);
        const ok = allowed ? status !== 401 && status !== 403 : status === 403;
        if (!ok) failures.push(`${route.method} ${route.path} as ${role} → ${status} (expected ${allowed ? 'allowed' : 403})`);
      }
    }
    expect(failures).toEqual([]);
    expect(routes.filter((r) => r.roles).map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'DELETE /api/assets/:id/permanent',
      'POST /api/assets/cache/refresh',
    ]);
  });
});
