import { fork } from 'node:child_process';
import path from 'node:path';
import type { Commit, LiveTarget } from './live-latency';
import { pacedLoad } from './paced-load';
import { round2 } from './percentiles';
import { rssBytes } from './rss';

// Streams are opened this many at a time: a burst of thousands of connects would measure the accept queue.
const OPEN_BATCH = 100;
const FAN_OUT_GIVE_UP_MS = 10_000;
const MB = 1024 * 1024;

export interface OpenStreamsOptions {
  url: string;
  token: string;
  /** The service's pid, for its RSS (main thread and cache worker are one process). */
  pid: number | undefined;
  streams: number;
  /** The ticket every stream watches: one change then reaches all of them. */
  target: LiveTarget;
  commit: Commit;
  tag: string;
  /** Widget reads, fixed rate (open loop), spread over these tickets. */
  tickets: number[];
  rate: number;
  durationSec: number;
}

/**
 * Widget latency with `streams` live widget streams open on one instance against the same load without them,
 * in one run (issue 18: p99 within 1.5×), the RSS those streams cost, and the fan-out of one change to all
 * of them: when the first and the last subscriber received it, counted from the commit's acknowledgement.
 * Rounds: without, with, without again (after closing them), so the noise between rounds shows beside the ratio.
 * The streams are held by a child process (stream-holder.ts), so only the service's cost is measured.
 */
export async function openStreamsCost(options: OpenStreamsOptions) {
  const headers = { authorization: `Bearer ${options.token}` };
  const widgetRound = () =>
    pacedLoad({
      url: options.url,
      rate: options.rate,
      durationSec: options.durationSec,
      headers,
      path: (i) => `/api/assets/widget/${options.tickets[(i * 7919) % options.tickets.length]}`,
    });
  const holder = fork(path.join(__dirname, 'stream-holder.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type: string; message?: string }) => {
        if (message.type !== type && message.type !== 'failed') return;
        holder.off('message', onMessage);
        if (message.type === 'failed') reject(new Error(`stream holder: ${message.message}`));
        else resolve(message as T);
      };
      holder.on('message', onMessage);
    });
  try {
    const without = await widgetRound();
    const rssBefore = rssBytes(options.pid);
    const opened = reply<{ openMs: number }>('opened');
    holder.send({ type: 'open', url: options.url, path: `/api/assets/widget/${options.target.ticket}/events`, headers, streams: options.streams, batch: OPEN_BATCH });
    const { openMs } = await opened;
    const rssOpen = rssBytes(options.pid);
    const withStreams = await widgetRound();

    const hostname = `FANOUT-${options.tag}`;
    const seen = reply<{ at: number[] }>('seen');
    holder.send({ type: 'watch', needle: JSON.stringify(hostname), giveUpMs: FAN_OUT_GIVE_UP_MS });
    await options.commit(options.target, hostname);
    const acked = performance.timeOrigin + performance.now();
    const times = (await seen).at.map((at) => at - acked).sort((a, b) => a - b);
    const rssAfterFanOut = rssBytes(options.pid);
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.send({ type: 'close' });
    await exited;
    // The same round again once they are closed: how far apart two rounds without streams are is the noise.
    const withoutAfter = await widgetRound();

    return {
      streams: options.streams,
      open_ms: Math.round(openMs),
      widget_rate_rps: options.rate,
      widget_duration_s: options.durationSec,
      widget_without_streams: without,
      widget_with_streams: withStreams,
      widget_without_streams_after: withoutAfter,
      p99_ratio_with_over_without: without.p99_ms > 0 ? round2(withStreams.p99_ms / without.p99_ms) : null,
      rss_before_mb: round2(rssBefore / MB),
      rss_with_streams_mb: round2(rssOpen / MB),
      rss_growth_mb: round2((rssOpen - rssBefore) / MB),
      rss_growth_kb_per_stream: round2((rssOpen - rssBefore) / 1024 / options.streams),
      rss_after_fan_out_mb: round2(rssAfterFanOut / MB),
      fan_out_received: times.length,
      fan_out_lost: options.streams - times.length,
      fan_out_first_ms: times.length > 0 ? round2(times[0]!) : null,
      fan_out_last_ms: times.length > 0 ? round2(times[times.length - 1]!) : null,
    };
  } finally {
    if (holder.connected) holder.kill();
  }
}
