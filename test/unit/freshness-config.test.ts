import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('freshness settings (issue 13)', () => {
  it('defaults: a change waits at most 5 s before the cache resyncs; the audit samples 20 a minute', () => {
    expect(loadConfig({})).toMatchObject({ CACHE_FEED_RETRY_MS: 5_000, CACHE_AUDIT_PER_MINUTE: 20 });
  });

  it('accepts 0 to turn the audit off, and refuses a retry bound below 200 ms or a negative rate', () => {
    expect(loadConfig({ CACHE_AUDIT_PER_MINUTE: '0', CACHE_FEED_RETRY_MS: '200' })).toMatchObject({ CACHE_AUDIT_PER_MINUTE: 0, CACHE_FEED_RETRY_MS: 200 });
    expect(() => loadConfig({ CACHE_FEED_RETRY_MS: '100', CACHE_AUDIT_PER_MINUTE: '-1' })).toThrow(ConfigError);
    try {
      loadConfig({ CACHE_FEED_RETRY_MS: '100', CACHE_AUDIT_PER_MINUTE: '-1' });
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual(['CACHE_AUDIT_PER_MINUTE', 'CACHE_FEED_RETRY_MS']);
    }
  });
});
