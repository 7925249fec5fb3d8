import http from 'node:http';
import { openSubscriber, type SseSubscriber } from './sse-subscriber';

/**
 * Holds the live widget streams of `openStreamsCost` in a process of its own, so that reading thousands of
 * streams (and collecting their sockets afterwards) never delays the widget requests the bench times in its
 * own process: the comparison is then the service's cost alone. Driven over IPC:
 * `open` → `opened`; `watch` → `seen` (wall-clock receive times); `close` → exits.
 */
type Command =
  | { type: 'open'; url: string; path: string; headers: Record<string, string>; streams: number; batch: number }
  | { type: 'watch'; needle: string; giveUpMs: number }
  | { type: 'close' };

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const subscribers: SseSubscriber[] = [];
const send = (message: unknown) => process.send!(message);
const wallClock = (at: number) => performance.timeOrigin + at;

async function open(command: Extract<Command, { type: 'open' }>): Promise<void> {
  const started = performance.now();
  while (subscribers.length < command.streams) {
    const batch = Math.min(command.batch, command.streams - subscribers.length);
    subscribers.push(...(await Promise.all(Array.from({ length: batch }, () => openSubscriber(command.url, command.path, command.headers, agent)))));
  }
  send({ type: 'opened', openMs: performance.now() - started });
}

async function watch(command: Extract<Command, { type: 'watch' }>): Promise<void> {
  const events = await Promise.all(subscribers.map((s) => s.waitFor(command.needle, command.giveUpMs)));
  send({ type: 'seen', at: events.flatMap((e) => (e ? [wallClock(e.at)] : [])) });
}

process.on('message', (command: Command) => {
  const done = (err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  if (command.type === 'open') open(command).catch(done);
  else if (command.type === 'watch') watch(command).catch(done);
  else {
    for (const s of subscribers.splice(0)) s.close();
    agent.destroy();
    process.disconnect();
  }
});
