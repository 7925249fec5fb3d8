import { describe, expect, it } from 'vitest';
import { OutageCredentials } from '../../src/auth/outage-credentials';

const ann = { userId: 1, email: 'ann@test.local', role: 'admin' as const };
const bo = { userId: 2, email: 'bo@test.local', role: 'technician' as const };

describe('OutageCredentials', () => {
  it('recalls a verified credential while the database has been out of reach for at most the grace period', () => {
    let now = 1_000_000;
    const outage = new OutageCredentials(60_000, 10, () => now);
    outage.remember('token:a', ann);
    now += 600_000;
    outage.reachable();
    now += 59_000;
    expect(outage.recall('token:a')).toEqual(ann);
    now += 2_000;
    expect(outage.recall('token:a')).toBeUndefined();
    expect(outage.recall('token:unknown')).toBeUndefined();
  });

  it('never recalls a session past its own end', () => {
    let now = 0;
    const outage = new OutageCredentials(3_600_000, 10, () => now);
    outage.remember('session:s', ann, 5_000);
    now = 4_999;
    expect(outage.recall('session:s')).toEqual(ann);
    now = 5_000;
    expect(outage.recall('session:s')).toBeUndefined();
  });

  it('forgets a changed user, everything, or one key; keeps nothing with a grace of 0', () => {
    const outage = new OutageCredentials(60_000);
    outage.remember('token:a', ann);
    outage.remember('session:a', ann);
    outage.remember('token:b', bo);
    outage.forgetUser(1);
    expect([outage.recall('token:a'), outage.recall('session:a'), outage.recall('token:b')]).toEqual([undefined, undefined, bo]);
    outage.forget('token:b');
    expect(outage.recall('token:b')).toBeUndefined();
    outage.remember('token:b', bo);
    outage.forgetAll();
    expect(outage.recall('token:b')).toBeUndefined();
    const off = new OutageCredentials(0);
    off.remember('token:a', ann);
    expect(off.recall('token:a')).toBeUndefined();
  });
});
