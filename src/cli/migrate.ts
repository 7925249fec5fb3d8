import { migrate } from '../db/migrate';
import { runCli } from './run-cli';

void runCli(
  () => undefined,
  async (client, _args, logger) => {
    const result = await migrate(client, logger);
    return { migrations: result.total, applied_now: result.applied };
  },
  { migrateFirst: false },
);
