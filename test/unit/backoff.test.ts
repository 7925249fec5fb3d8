import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/backoff';

describe('Backoff', () => {
  it('doubles from the minimum up to the maximum, and starts over after a reset', () => {
    const backoff = new Backoff(100, 1_000);
    expect(Array.from({ length: 6 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    backoff.reset();
    expect([backoff.next(), backoff.next()]).toEqual([100, 200]);
  });
});
