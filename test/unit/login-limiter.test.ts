import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/auth/login-limiter';

describe('LoginLimiter', () => {
  it('blocks an account after its limit until the window ends, whatever the address', () => {
    let now = 0;
    const limiter = new LoginLimiter({ perAccount: 3, perAddress: 100, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) limiter.recordFailure('Ann@x.io', `10.0.0.${i}`);
    expect(limiter.retryAfter('ann@X.io', '10.9.9.9')).toBe(60);
    now = 59_500;
    expect(limiter.retryAfter('ann@x.io', '10.9.9.9')).toBe(1);
    now = 60_000;
    expect(limiter.retryAfter('ann@x.io', '10.9.9.9')).toBe(0);
  });

  it('blocks an address spraying many accounts, and a success clears only the account', () => {
    const limiter = new LoginLimiter({ perAccount: 100, perAddress: 4, windowMs: 60_000 });
    for (let i = 0; i < 4; i++) limiter.recordFailure(`user${i}@x.io`, '10.0.0.1');
    expect(limiter.retryAfter('someone@x.io', '10.0.0.1')).toBeGreaterThan(0);
    expect(limiter.retryAfter('someone@x.io', '10.0.0.2')).toBe(0);
    limiter.recordSuccess('user0@x.io');
    expect(limiter.retryAfter('user0@x.io', '10.0.0.1')).toBeGreaterThan(0);
  });
});
