import fs from 'node:fs';

/** Peak resident set of a process so far (VmHWM), in bytes; null where /proc is not available. */
export function peakRssBytes(pid: number | undefined): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
