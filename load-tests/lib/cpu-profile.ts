import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';

/**
 * Preloaded into the service (`--require`, through NODE_OPTIONS, which refuses `--cpu-prof`) by
 * `npm run load -- --profile`: samples this thread's CPU from start to exit and writes a .cpuprofile into
 * LOAD_CPU_PROFILE_DIR (open it in Chrome DevTools or speedscope). Same-thread inspector calls complete
 * synchronously, so the profile is written even from the `exit` event.
 */
const dir = process.env.LOAD_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      fs.mkdirSync(dir, { recursive: true });
      const name = `${isMainThread ? 'main' : `thread-${threadId}`}-${process.pid}.cpuprofile`;
      fs.writeFileSync(path.join(dir, name), JSON.stringify(result.profile));
    });
  });
}
