import { setNotifyTriggers } from '../../workers/feed-mode';
import { dropSlot, slotInUse, slotOfDatabase } from '../../workers/wal-slot';
import { parseArgs } from 'node:util';
import { runCli, usage } from './run-cli';

/**
 * `npm run feed:uninstall` drops this database's replication slot (an abandoned slot keeps WAL and can fill
 * the server's disk) and enables the notify triggers again, so the database is left as the notify feed needs
 * it. Stop every instance first: a slot in use cannot be dropped (exit 1, nothing changed). Prints one JSON line.
 */
const USAGE = 'usage: npm run feed:uninstall';

void runCli(
  () => usage(USAGE, () => parseArgs({ options: {}, strict: true }).values),
  async (client) => {
    const slot = await slotOfDatabase(client);
    if (await slotInUse(client, slot)) throw new Error(`replication slot ${slot} is in use: stop every instance of the service first`);
    const dropped = await dropSlot(client, slot);
    await setNotifyTriggers(client, true);
    return { slot, dropped, notify_triggers: 'enabled' };
  },
);
