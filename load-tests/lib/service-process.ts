import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { projectPath } from '../../src/paths';

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then wait for a clean exit (SIGKILL after `timeoutMs`); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the compiled service (`dist/src/main.js`) as its own process, as production runs it, and waits
 * until /readyz says ready. Its logs go to `logFile`, so a benchmark's output stays readable.
 */
export async function startServiceProcess(options: {
  databaseUrl: string;
  env?: Record<string, string>;
  logFile: string;
  readyTimeoutMs?: number;
}): Promise<ServiceProcess> {
  const port = await freePort();
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(process.execPath, [projectPath('dist', 'src', 'main.js')], {
    env: { ...process.env, DATABASE_URL: options.databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode} before ready; see ${options.logFile}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service not ready in time; see ${options.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stop: async (timeoutMs = 20_000) => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      fs.closeSync(log);
      return code;
    },
  };
}
