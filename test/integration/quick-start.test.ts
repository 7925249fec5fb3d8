import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../src/paths';
import { freePort } from '../helpers/free-port';

const MAIN = projectPath('dist', 'src', 'main.js');

/**
 * The environment of a real `npm start` on a developer's machine, whatever the test runner or .env has: an empty
 * value wins over .env and counts as unset, so DATABASE_URL and HOST are unset here (vitest sets NODE_ENV=test).
 */
function quickStartEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: '', HOST: '', NODE_ENV: 'development', PORT: '0', LOG_LEVEL: 'info', ...extra };
}

/** Addresses with a listening TCP socket on `port`, read from the kernel's tables (Linux). */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(table)) continue;
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue; // 0A = LISTEN
      const [addressHex, portHex] = cols[1]!.split(':') as [string, string];
      if (parseInt(portHex, 16) !== port) continue;
      found.push(
        addressHex.length === 8
          ? (addressHex.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)).join('.')
          : `ipv6:${addressHex}`,
      );
    }
  }
  return found;
}

interface Started {
  child: ChildProcess;
  url: string;
  banner: string;
  stdout: () => string;
}

/** Runs dist/src/main.js until its quick-start banner is complete (the banner is one write to stderr). */
function startMain(env: NodeJS.ProcessEnv, args: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: projectPath(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner within 90 s; stderr:\n${stderr}\nstdout:\n${stdout}`));
    }, 90_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /Asset widget service is up at (http:\/\/\S+)[^]*\n\n/.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      resolve({ child, url: match[1]!, banner: match[0], stdout: () => stdout });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`main.js exited (${code}) before its banner; stderr:\n${stderr}\nstdout:\n${stdout}`));
    });
  });
}

function stopMain({ child }: Started): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

async function signIn(url: string, email: string, password: string): Promise<number> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function withToken(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/api/assets?limit=1`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

const passwordOf = (banner: string, email: string) => new RegExp(`^ +${email.replace('.', '\\.')} +(\\S+) +\\(`, 'm').exec(banner)?.[1];
const tokenOf = (banner: string) => /Admin API token \(new, shown once\): (awc_tok_\S+)/.exec(banner)?.[1];

describe('npm start with DATABASE_URL unset: the embedded quick start', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let running: Started | undefined;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'awc-quick-start-'));
    env = quickStartEnv({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) });
  });
  afterAll(async () => {
    if (running) await stopMain(running);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  let adminPassword: string;
  let techPassword: string;

  it('first start: listens on 127.0.0.1 only, loads the demo, prints random demo passwords and one admin token', async () => {
    running = await startMain(env);
    const { url, banner } = running;
    const port = Number(new URL(url).port);
    expect(listeningAddresses(port)).toEqual(['127.0.0.1']);
    expect(banner).toContain('demo data loaded now');
    adminPassword = passwordOf(banner, 'admin@example.com')!;
    techPassword = passwordOf(banner, 'tech@example.com')!;
    expect(adminPassword).toMatch(/^[\w-]{16}$/);
    expect(techPassword).toMatch(/^[\w-]{16}$/);
    expect(adminPassword).not.toBe(techPassword);
    expect(banner).not.toContain('admin-demo');
    const token = tokenOf(banner)!;
    expect(await withToken(url, token)).toBe(200);
    expect(await signIn(url, 'admin@example.com', adminPassword)).toBe(200);
    expect(await signIn(url, 'tech@example.com', techPassword)).toBe(200);
    // Secrets go to the terminal once, never into the logs.
    for (const secret of [adminPassword, techPassword, token]) expect(running.stdout()).not.toContain(secret);
    expect(await stopMain(running)).toBe(0);
    running = undefined;
  }, 120_000);

  it('second start: no password changes, none printed, and no token minted', async () => {
    running = await startMain(env);
    const { url, banner } = running;
    expect(banner).not.toContain('demo data loaded now');
    expect(passwordOf(banner, 'admin@example.com')).toBeUndefined();
    expect(tokenOf(banner)).toBeUndefined();
    expect(banner).toContain('npm start -- --print-token');
    expect(await signIn(url, 'admin@example.com', adminPassword)).toBe(200);
    expect(await signIn(url, 'tech@example.com', techPassword)).toBe(200);
    expect(await stopMain(running)).toBe(0);
    running = undefined;
  }, 120_000);

  it('--print-token: a new admin token that works, the passwords still as they were', async () => {
    running = await startMain(env, ['--print-token']);
    const { url, banner } = running;
    const token = tokenOf(banner)!;
    expect(token).toBeDefined();
    expect(await withToken(url, token)).toBe(200);
    expect(passwordOf(banner, 'admin@example.com')).toBeUndefined();
    expect(banner).not.toContain('WARNING');
    expect(await signIn(url, 'admin@example.com', adminPassword)).toBe(200);
    expect(await stopMain(running)).toBe(0);
    running = undefined;
  }, 120_000);

  it('warns, without changing it, about a demo user that has the password earlier versions published', async () => {
    // As an older data folder would have it; user:create runs on the same embedded database.
    const reset = spawnSync(
      process.execPath,
      [projectPath('dist', 'src', 'cli', 'user-create.js'), '--email', 'tech@example.com', '--role', 'technician', '--password', 'tech-demo'],
      { cwd: projectPath(), env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(reset.status, reset.stderr).toBe(0);
    running = await startMain(env);
    const { url, banner } = running;
    expect(banner).toContain('WARNING: tech@example.com still has the password earlier versions published. Set a new one:');
    expect(banner).not.toContain('WARNING: admin@example.com');
    expect(await signIn(url, 'tech@example.com', 'tech-demo')).toBe(200);
    expect(await stopMain(running)).toBe(0);
    running = undefined;
  }, 120_000);

  it('HOST set: listens where it says', async () => {
    running = await startMain({ ...env, HOST: '127.0.0.2' });
    expect(listeningAddresses(Number(new URL(running.url).port))).toEqual(['127.0.0.2']);
    expect(running.banner).toContain('(this machine only; set HOST to listen elsewhere)');
    expect(await stopMain(running)).toBe(0);
    running = undefined;
  }, 120_000);
});

describe('a server environment without DATABASE_URL', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'awc-refused-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const run = (script: string, NODE_ENV: string) =>
    spawnSync(process.execPath, [projectPath('dist', 'src', ...script.split('/'))], {
      cwd: projectPath(),
      env: quickStartEnv({ NODE_ENV, DATA_DIR: dataDir }),
      encoding: 'utf8',
      timeout: 30_000,
    });

  it.each(['production', 'staging'])('NODE_ENV=%s: npm start exits 2 with one line that says to set DATABASE_URL, and starts nothing', (nodeEnv) => {
    const result = run('main.js', nodeEnv);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^NODE_ENV=${nodeEnv} needs DATABASE_URL: set it`))]);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('the CLIs refuse the same way', () => {
    const result = run('cli/user-list.js', 'production');
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^NODE_ENV=production needs DATABASE_URL/)]);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
