import type pg from 'pg';
import type { Logger } from '../src/logger';
import { LISTEN_APPLICATION_NAME } from './change-feed';
import { notifyTriggersEnabled, setNotifyTriggers } from './feed-mode';
import { releaseSlot } from './relay-lock';
import { ensureSlot, notifyListenerPresent } from './wal-slot';

/**
 * The leader's slot, before leading and before every subscription: a slot that is missing (first start,
 * dropped by hand) or invalidated (max_slot_wal_keep_size) is created anew. What it had not decoded is gone,
 * so every instance must resync (`resync`), unless the notify triggers were on all along and announced it (a
 * first start: the migrations leave them on, and a leader turns them off only once its slot exists).
 */
export async function checkRelaySlot(lock: pg.ClientBase, slot: string, logger: Logger): Promise<{ created: boolean; resync: boolean }> {
  const announced = await notifyTriggersEnabled(lock);
  const state = await ensureSlot(lock, slot);
  // Holding the lock, any consumer still on the slot is a former leader's: it would refuse this one.
  await releaseSlot(lock, slot);
  if (state === 'ready') return { created: false, resync: false };
  logger[announced ? 'info' : 'error'](
    { event: 'feed.slot_created', slot, reason: state === 'created' ? 'missing' : 'invalidated', resync: !announced },
    announced ? 'replication slot created; the notify triggers covered the gap' : 'replication slot created; every instance resyncs',
  );
  return { created: true, resync: !announced };
}

/**
 * The notify triggers are redundant under the relay, and cost writers the notify commit lock, unless a
 * notify-mode instance still listens (one stopping meanwhile is seen at the leader's next tick). Returns
 * whether they were kept.
 */
export async function retireNotifyTriggers(lock: pg.ClientBase): Promise<boolean> {
  if (await notifyListenerPresent(lock, LISTEN_APPLICATION_NAME)) return true;
  await setNotifyTriggers(lock, false);
  return false;
}
