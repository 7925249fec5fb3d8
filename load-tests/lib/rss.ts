import fs from 'node:fs';

/** A process's resident set now (VmRSS), in bytes; 0 where /proc is not available. */
export function rssBytes(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
