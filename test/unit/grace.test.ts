import { describe, expect, it } from 'vitest';
import { FreshnessGrace } from '../../workers/grace';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('FreshnessGrace (CACHE_GRACE_SECONDS)', () => {
  it('gives nothing to a cache that was never ready: first warm-up, a restarted worker', () => {
    const time = clock(0);
    const grace = new FreshnessGrace(60_000, time.now);
    for (const state of ['warming', 'degraded', 'cold'] as const) {
      grace.note(state);
      expect(grace.allows()).toBe(false);
      expect(grace.staleSeconds()).toBeNull();
    }
  });

  it('is not needed while ready: nothing is stale', () => {
    const time = clock();
    const grace = new FreshnessGrace(60_000, time.now);
    grace.note('ready');
    time.advance(120_000);
    expect(grace.allows()).toBe(false);
    expect(grace.staleSeconds()).toBeNull();
  });

  it('counts from the moment the cache left ready, up to and including the bound, and not past it', () => {
    const time = clock();
    const grace = new FreshnessGrace(10_000, time.now);
    grace.note('warming');
    grace.note('ready');
    time.advance(5_000);
    grace.note('degraded');
    expect(grace.allows()).toBe(true);
    expect(grace.staleSeconds()).toBe(1);
    time.advance(1);
    expect(grace.staleSeconds()).toBe(1);
    time.advance(2_499);
    expect(grace.staleSeconds()).toBe(3);
    // Another not-ready state does not restart the clock.
    grace.note('cold');
    grace.note('warming');
    time.advance(7_500);
    expect(grace.staleSeconds()).toBe(10);
    expect(grace.allows()).toBe(true);
    time.advance(1);
    expect(grace.allows()).toBe(false);
    expect(grace.staleSeconds()).toBe(11);
  });

  it('starts again from the next time the cache leaves ready', () => {
    const time = clock();
    const grace = new FreshnessGrace(10_000, time.now);
    grace.note('ready');
    grace.note('degraded');
    time.advance(20_000);
    expect(grace.allows()).toBe(false);
    grace.note('ready');
    expect(grace.staleSeconds()).toBeNull();
    time.advance(30_000);
    grace.note('degraded');
    time.advance(9_000);
    expect(grace.allows()).toBe(true);
    expect(grace.staleSeconds()).toBe(9);
  });

  it('is off with CACHE_GRACE_SECONDS=0', () => {
    const time = clock();
    const grace = new FreshnessGrace(0, time.now);
    grace.note('ready');
    grace.note('degraded');
    expect(grace.allows()).toBe(false);
  });
});
