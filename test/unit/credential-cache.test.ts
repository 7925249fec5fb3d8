import { describe, expect, it } from 'vitest';
import { CredentialCache } from '../../src/auth/credential-cache';

const alice = { userId: 1, email: 'a@x', role: 'admin' as const };

describe('CredentialCache', () => {
  it('forgets an entry once its TTL has passed', () => {
    let now = 1_000;
    const cache = new CredentialCache(500, 10, () => now);
    cache.set('k', alice);
    now = 1_499;
    expect(cache.get('k')).toEqual(alice);
    now = 1_500;
    expect(cache.get('k')).toBeUndefined();
  });

  it('evicts the oldest entry when full and caches nothing with a zero TTL', () => {
    const cache = new CredentialCache(1_000, 2);
    cache.set('a', alice);
    cache.set('b', alice);
    cache.set('c', alice);
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map(Boolean)).toEqual([false, true, true]);
    const off = new CredentialCache(0);
    off.set('a', alice);
    expect(off.size).toBe(0);
  });
});
