import http from 'node:http';
import type { Commit, LiveTarget } from './live-latency';
import { pacedLoad } from './paced-load';
import { round2 } from './percentiles';
import { rssBytes } from './rss';
import { openSubscriber, type SseSubscriber } from './sse-subscriber';

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
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const subscribers: SseSubscriber[] = [];
  try {
    const without = await widgetRound();
    const rssBefore = rssBytes(options.pid);
    const path = `/api/assets/widget/${options.target.ticket}/events`;
    const openStart = performance.now();
    while (subscribers.length < options.streams) {
      const batch = Math.min(OPEN_BATCH, options.streams - subscribers.length);
      subscribers.push(...(await Promise.all(Array.from({ length: batch }, () => openSubscriber(options.url, path, headers, agent)))));
    }
    const openMs = performance.now() - openStart;
    const rssOpen = rssBytes(options.pid);
    const withStreams = await widgetRound();

    const hostname = `FANOUT-${options.tag}`;
    const seen = subscribers.map((s) => s.waitFor(JSON.stringify(hostname), FAN_OUT_GIVE_UP_MS));
    await options.commit(options.target, hostname);
    const acked = performance.now();
    const events = await Promise.all(seen);
    const times = events.flatMap((e) => (e ? [e.at - acked] : [])).sort((a, b) => a - b);
    const rssAfterFanOut = rssBytes(options.pid);
    for (const s of subscribers.splice(0)) s.close();
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
    for (const s of subscribers) s.close();
    agent.destroy();
  }
}
