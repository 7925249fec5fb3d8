/**
 * Lowering the calling thread's CPU priority, for a snapshot build that runs while the instance serves from
 * its current snapshot: the build thread and its two PostgreSQL backends would otherwise share two cores
 * evenly with the threads answering requests, and the widget's p99 during a refresh grew with them.
 */
import fs from 'node:fs';
import os from 'node:os';

/** Nice value for background builds: below the request threads, still well above idle. */
const BACKGROUND_NICE = 10;

/**
 * Lowers this thread's priority to BACKGROUND_NICE (Linux: a thread is a task with its own nice value,
 * found at /proc/thread-self). Returns false where that is not possible (another OS, no /proc); the build
 * then runs as before. Priority only goes down: raising it again needs privileges, so a thread lowered
 * once stays lowered, and the first build (startup) must not call this.
 */
export function lowerThreadPriority(): boolean {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (os.getPriority(tid) < BACKGROUND_NICE) os.setPriority(tid, BACKGROUND_NICE);
    return true;
  } catch {
    return false;
  }
}
