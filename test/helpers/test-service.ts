import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startService, type RunningService } from '../../src/service';
import { createUserWithToken } from '../../src/services/auth-service';
import { contractProblem } from './contract';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestService {
  url: string;
  db: TestDatabase;
  service: RunningService;
  adminToken: string;
  techToken: string;
  /** fetch against the service; `token` adds a bearer header, `json` sends a JSON body. */
  call(path: string, init?: CallInit): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export interface CallInit extends Omit<RequestInit, 'body'> {
  token?: string;
  json?: unknown;
  body?: string;
}

/**
 * The whole service, in-process on a free port, against this test file's own database. `prepare` runs on
 * that database before the service starts, so the cache warms with what it wrote.
 */
export async function startTestService(
  env: Record<string, string> = {},
  prepare?: (db: TestDatabase) => Promise<void>,
): Promise<TestService> {
  const db = await createTestDatabase();
  await prepare?.(db);
  // No shutdown grace in-process: nothing reconnects to a sibling here, and every file stops its service.
  const config = loadConfig({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SHUTDOWN_GRACE_MS: '0', ...env });
  const service = await startService(config, createLogger(config.LOG_LEVEL));
  const admin = await createUserWithToken(db.pool, { email: 'admin@test.local', role: 'admin', password: 'admin-password' });
  const tech = await createUserWithToken(db.pool, { email: 'tech@test.local', role: 'technician', password: 'tech-password' });

  const call = caller(service.url);

  return {
    url: service.url,
    db,
    service,
    adminToken: admin.token,
    techToken: tech.token,
    call,
    stop: async () => {
      await service.stop();
      await db.drop();
    },
  };
}

/** A `call` against `baseUrl`: `token` adds a bearer header, `json` sends a JSON body, JSON answers are parsed. */
export function caller(baseUrl: string): TestService['call'] {
  return async (urlPath, init = {}) => {
    const { token, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    let body = rest.body;
    if (json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(json);
    }
    const method = rest.method ?? 'GET';
    const res = await fetch(`${baseUrl}${urlPath}`, { ...rest, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Non-JSON answers stay as text so a test can show what came back.
    }
    // Every answer a test receives is held against the OpenAPI document: the contract is tested by all tests.
    const problem = contractProblem(method, urlPath, res.status, res.headers.get('content-type'), parsed);
    if (problem) throw new Error(`contract: ${problem}`);
    return { status: res.status, body: parsed, headers: res.headers };
  };
}
