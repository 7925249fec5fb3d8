import { describe, expect, it } from 'vitest';
import { warmPhases } from '../../workers/warm-record';

describe('warmPhases', () => {
  it('splits a warm-up into consecutive steps, the directory beside the assets and the commit after the later of both', () => {
    const marks = { started: 1_040.4, snapshot: 1_052, assetsCopied: 1_800, assetsPacked: 2_000, directoryPacked: 1_300, read: 2_001 };
    expect(warmPhases(1_000, marks, 2_020, 2_021)).toEqual({
      thread_start: 40,
      connect_and_snapshot: 12,
      assets_copy: 748,
      assets_pack: 200,
      directory: 248,
      commit: 1,
      transfer: 19,
      rebase: 1,
    });
    // A directory that finishes last: the commit waits for it, not for the assets.
    expect(warmPhases(1_000, { ...marks, directoryPacked: 2_010, read: 2_012 }, 2_020, 2_021)).toMatchObject({ directory: 958, commit: 2 });
  });
});
