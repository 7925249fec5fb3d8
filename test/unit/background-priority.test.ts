import { once } from 'node:events';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../src/paths';

// Run in a thread of its own, from the build (npm run build), as the piscina build thread runs it.
const IN_A_THREAD = `
const fs = require('node:fs');
const os = require('node:os');
const { parentPort, workerData } = require('node:worker_threads');
const { lowerThreadPriority } = require(workerData);
const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
parentPort.postMessage({ lowered: lowerThreadPriority(), nice: os.getPriority(tid) });
`;

describe('lowerThreadPriority', () => {
  it('lowers the calling thread to nice 10 and leaves the rest of the process as it was', async () => {
    const before = os.getPriority(process.pid);
    const worker = new Worker(IN_A_THREAD, { eval: true, workerData: projectPath('dist', 'workers', 'background-priority.js') });
    const [result] = (await once(worker, 'message')) as [{ lowered: boolean; nice: number }];
    await worker.terminate();
    expect(result).toEqual({ lowered: true, nice: 10 });
    expect(os.getPriority(process.pid)).toBe(before);
  });
});
