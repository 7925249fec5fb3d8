import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The database host's CPU and the application tier's, when a benchmark splits the machine in two. */
export const DATABASE_CPU = 0;
export const APPLICATION_CPU = 1;

const pin = (pid: number, cpu: number) => execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });

/**
 * Splits this machine as a deployment is split: PostgreSQL (its postmaster, its running processes and every
 * one it forks later) on one CPU; this process, and so everything it spawns from now on (the services,
 * pgbench), on the other. The database's CPU is then not mixed with the services' own, which a deployment
 * spends on the application hosts; pgbench's client shares the application CPU with the services, as
 * writers on the cache's hosts would.
 */
export function splitCores(clusterDir: string): void {
  if (os.cpus().length < 2) throw new Error('--split-cores needs at least 2 CPUs');
  const postmaster = Number(fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' }).split('\n').map(Number).filter((p) => p > 0);
  for (const pid of [postmaster, ...children]) pin(pid, DATABASE_CPU);
  pin(process.pid, APPLICATION_CPU);
}
