import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserSummary } from '../../src/db/repositories/users';
import { projectPath } from '../../src/paths';
import { startTestService, type TestService } from '../helpers/test-service';

const execFileAsync = promisify(execFile);

/** What an operator runs: the compiled CLIs (`npm run user:list` etc. without the build step), against the test database. */
describe('operator commands: user:list, token:create, and the stats summary', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t?.stop();
  });

  const cli = async (script: string, args: string[]) => {
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [projectPath('dist', 'src', 'cli', script), ...args], {
        cwd: projectPath(),
        env: { ...process.env, DATABASE_URL: t.db.url, NODE_ENV: 'test', LOG_LEVEL: 'warn' },
        timeout: 30_000,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failed = err as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const users = async () => JSON.parse((await cli('user-list.js', ['--json'])).stdout) as UserSummary[];

  it('user:list shows every user, its role and what it holds, and never a secret', async () => {
    const listed = await users();
    expect(listed.map(({ email, role, password, active_tokens, active_sessions }) => ({ email, role, password, active_tokens, active_sessions }))).toEqual([
      { email: 'admin@test.local', role: 'admin', password: true, active_tokens: 1, active_sessions: 0 },
      { email: 'tech@test.local', role: 'technician', password: true, active_tokens: 1, active_sessions: 0 },
    ]);
    const table = await cli('user-list.js', []);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +EMAIL +ROLE +PASSWORD +TOKENS +SESSIONS +LAST TOKEN +CREATED$/);
    expect(lines.slice(1).map((line) => line.split(/ +/).slice(1, 6))).toEqual([
      ['admin@test.local', 'admin', 'set', '1', '0'],
      ['tech@test.local', 'technician', 'set', '1', '0'],
    ]);
    expect(table.stdout).not.toMatch(/awc_tok_|argon2/);
  });

  it('token:create gives an existing user a new working token, labelled, and changes nothing else', async () => {
    const created = await cli('token-create.js', ['--email', 'TECH@test.local', '--label', 'ops laptop']);
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout) as { email: string; role: string; label: string; token: string };
    expect(body).toMatchObject({ email: 'tech@test.local', role: 'technician', label: 'ops laptop', token: expect.stringMatching(/^awc_tok_/) });
    expect((await t.call('/api/tickets?limit=1', { token: body.token })).status).toBe(200);
    expect((await t.call('/api/tickets?limit=1', { token: t.techToken })).status).toBe(200);
    const { rows } = await t.db.pool.query<{ label: string }>(
      `SELECT t.label FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = 'tech@test.local' ORDER BY t.id`,
    );
    expect(rows.map((r) => r.label)).toEqual(['cli', 'ops laptop']);
    const login = await t.call('/api/auth/login', { method: 'POST', json: { email: 'tech@test.local', password: 'tech-password' } });
    expect(login.status).toBe(200);
    expect((await users()).find((u) => u.email === 'tech@test.local')).toMatchObject({ role: 'technician', active_tokens: 2, active_sessions: 1 });
  });

  it('token:create refuses an unknown email (exit 1, names user:create) and bad flags (exit 2, usage)', async () => {
    const unknown = await cli('token-create.js', ['--email', 'nobody@test.local']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No user has the email nobody@test.local. Create one with: npm run user:create');
    expect(unknown.stdout).toBe('');
    const bad = await cli('token-create.js', ['--label', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('usage: npm run token:create -- --email E [--label L]');
  });

  it('GET /api/assets/cache/stats leads with a summary an operator reads at a glance', async () => {
    const res = await t.call('/api/assets/cache/stats', { token: t.techToken });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)[0]).toBe('summary');
    expect(res.body.summary).toEqual({
      status: 'ok',
      text: expect.stringMatching(/^OK: \d+ active assets? of \d+ contacts? cached, hit rate .*, change feed connected, /),
      problems: [],
      notes: [],
    });
    expect(res.body).toMatchObject({ state: 'ready', worker_available: true });
  });
});
