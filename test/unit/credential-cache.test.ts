import { describe, expect, it } from 'vitest';
import { CredentialCache } from '../../src/auth/credential-cache';

const alice = { userId: 1, email: 'a@x', role: 'admin' as const };
const bob = { userId: 2, email: 'b@x', role: 'technician' as const };

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

  it('never keeps an entry past its maxAgeMs (a session ending before the TTL)', () => {
    let now = 0;
    const cache = new CredentialCache(30_000, 10, () => now);
    cache.set('session', alice, { maxAgeMs: 1_200 });
    now = 1_199;
    expect(cache.get('session')).toEqual(alice);
    now = 1_200;
    expect(cache.get('session')).toBeUndefined();
    cache.set('ended', alice, { maxAgeMs: 0 });
    cache.set('negative', alice, { maxAgeMs: -5 });
    expect(cache.size).toBe(0);
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

  it('drops every entry of one user, and only that user', () => {
    const cache = new CredentialCache(1_000);
    cache.set('token:1', alice);
    cache.set('session:1', alice);
    cache.set('token:2', bob);
    cache.dropUser(alice.userId);
    expect([cache.get('token:1'), cache.get('session:1'), cache.get('token:2')]).toEqual([undefined, undefined, bob]);
    // The index follows evictions and deletes, so a re-added key is dropped again.
    cache.set('token:1', alice);
    cache.delete('token:1');
    cache.set('token:1', alice);
    cache.dropUser(alice.userId);
    expect(cache.size).toBe(1);
  });

  it('does not keep a lookup that was running while something was invalidated', () => {
    const cache = new CredentialCache(1_000);
    const started = cache.generation;
    cache.dropUser(bob.userId);
    cache.set('token:1', alice, { generation: started });
    expect(cache.get('token:1')).toBeUndefined();
    cache.set('token:1', alice, { generation: cache.generation });
    expect(cache.get('token:1')).toEqual(alice);
  });

  it('keeps nothing while suspended, and nothing looked up before it resumed', () => {
    const cache = new CredentialCache(1_000);
    cache.set('token:1', alice);
    cache.suspend();
    expect(cache.get('token:1')).toBeUndefined();
    const during = cache.generation;
    cache.set('token:2', bob, { generation: during });
    expect(cache.size).toBe(0);
    cache.resume();
    cache.set('token:2', bob, { generation: during });
    expect(cache.size).toBe(0);
    cache.set('token:2', bob, { generation: cache.generation });
    expect(cache.get('token:2')).toEqual(bob);
  });
});
