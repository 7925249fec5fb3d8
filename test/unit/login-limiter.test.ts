import { describe, expect, it } from 'vitest';
import { addressKey, slowdownMs, SLOWDOWN_MAX_MS } from '../../src/auth/login-limiter';

// The counting itself happens in PostgreSQL (awc_login_reserve): see test/integration/login-limits.test.ts.
describe('LoginLimiter helpers', () => {
  it('slows an account down only past its limit: 250 ms, doubling, never more than 2 s', () => {
    const steps = [1, 5, 6, 7, 8, 9, 10, 1_000].map((n) => slowdownMs(n, 5));
    expect(steps).toEqual([0, 0, 250, 500, 1_000, 2_000, 2_000, SLOWDOWN_MAX_MS]);
  });

  it('counts IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::1')).toBe(addressKey('2001:0DB8:0001:0002:ffff::9'));
    expect(addressKey('[2001:db8::1]:443')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(addressKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
    expect(addressKey('unknown')).toBe('unknown');
    expect(addressKey('x'.repeat(500))).toHaveLength(64);
  });
});
