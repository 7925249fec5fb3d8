import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument, openApiPath } from '../../src/http/openapi/document';
import { OPERATIONS } from '../../src/http/openapi/operations';
import { ERROR_CODES } from '../../src/errors';
import { projectPath } from '../../src/paths';
import { contractProblem } from '../helpers/contract';
import { registeredRoutes } from '../helpers/registered-routes';
import { startTestService, type TestService } from '../helpers/test-service';

const operationsOf = (document: Record<string, any>) =>
  Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
  );

/** The README's HTTP API table: `METHOD /path` and the "who" column of each API row. */
function readmeRoutes(): Map<string, string> {
  const readme = fs.readFileSync(projectPath('README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## HTTP API'), readme.indexOf('### Errors'));
  const rows = [...table.matchAll(/^\| `(GET|POST|PUT|DELETE) (\/[^`?\s]*)[^`]*` \| ([^|]+) \|/gm)];
  // Static files (the pages, the widget script) are not API operations.
  const api = rows.filter(([, , path]) => !/\.(js|html)$/.test(path!));
  return new Map(api.map(([, method, path, who]) => [`${method} ${openApiPath(path!)}`, who!.trim()]));
}

describe('OpenAPI document', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ BENCH_ROUTES: 'true' });
  });
  afterAll(() => t.stop());

  it('describes exactly the routes the routers register', () => {
    const registered = registeredRoutes(t.service.app).map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(operationsOf(openApiDocument({ benchRoutes: true })).sort()).toEqual([...new Set(registered)].sort());
  });

  it('is served at /api/openapi.json without credentials, and docs/openapi.json is the current one', async () => {
    const served = await t.call('/api/openapi.json');
    expect(served.status).toBe(200);
    expect(served.body).toEqual(openApiDocument({ benchRoutes: true }));
    const written = JSON.parse(fs.readFileSync(projectPath('docs', 'openapi.json'), 'utf8'));
    expect(written, 'docs/openapi.json is stale: run npm run openapi').toEqual(openApiDocument({ benchRoutes: false }));
    expect(written.openapi).toBe('3.1.0');
  });

  it('documents both auth schemes, the conditional headers, and the error bodies of every status it lists', () => {
    const document = openApiDocument({ benchRoutes: false }) as Record<string, any>;
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['bearer', 'session']);
    expect(document.paths['/api/assets/{id}'].get.parameters.map((p: { $ref?: string }) => p.$ref)).toContain('#/components/parameters/IfNoneMatch');
    expect(document.paths['/api/assets/{id}'].put.responses['412'].content['application/problem+json']).toBeDefined();
    const statuses = new Set<number>(Object.values(ERROR_CODES).map((e) => e.status));
    for (const op of OPERATIONS) {
      const responses = document.paths[openApiPath(op.path)]?.[op.method]?.responses ?? {};
      for (const [status, response] of Object.entries<any>(responses)) {
        if (Number(status) >= 400 && statuses.has(Number(status)) && !op.otherResponses?.some((o) => o.status === Number(status))) {
          expect(response.content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
        }
      }
    }
  });

  it('matches the README API table route for route, with the same access', () => {
    const who = { public: ['anyone', 'no auth'], user: ['any user'], admin: ['admin'] };
    const readme = readmeRoutes();
    const documented = OPERATIONS.filter((op) => !op.bench);
    expect([...readme.keys()].sort()).toEqual(documented.map((op) => `${op.method.toUpperCase()} ${openApiPath(op.path)}`).sort());
    for (const op of documented) expect(who[op.access]).toContain(readme.get(`${op.method.toUpperCase()} ${openApiPath(op.path)}`));
  });

  it('fails an answer the document does not allow (the check every integration test runs can fail)', () => {
    expect(contractProblem('GET', '/api/assets/7', 200, 'application/json', { id: 7 })).toMatch(/does not match/);
    expect(contractProblem('GET', '/api/assets/7', 418, 'application/json', {})).toMatch(/does not list/);
    expect(contractProblem('GET', '/api/tickets', 400, 'text/html', '<p>')).toMatch(/not documented/);
    expect(contractProblem('GET', '/api/tickets', 400, 'application/json', { error: 'x', code: 'VALIDATION_FAILED' })).toBeUndefined();
  });

  it('keeps the error table, the README error list and the document in step (as fastify does for its codes)', () => {
    const readme = fs.readFileSync(projectPath('README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Errors'), readme.indexOf('## ', readme.indexOf('### Errors') + 4));
    const listed = new Map<string, number>();
    for (const [, codes, status] of section.matchAll(/^\| (`[A-Z_]+`(?: \/ `[A-Z_]+`)*) \| (\d{3}) \|/gm)) {
      for (const [, code] of codes!.matchAll(/`([A-Z_]+)`/g)) listed.set(code!, Number(status));
    }
    expect(Object.fromEntries(listed)).toEqual(Object.fromEntries(Object.entries(ERROR_CODES).map(([code, row]) => [code, row.status])));
    const document = openApiDocument({ benchRoutes: false }) as Record<string, any>;
    expect([...document.components.schemas.Error.properties.code.enum].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
