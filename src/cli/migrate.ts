import { migrate } from '../db/migrate';
import { runCli } from './run-cli';

// runCli already migrates before any command; running it again reports what is there (and applies nothing).
void runCli(
  () => undefined,
  async (client, _args, logger) => {
    const result = await migrate(client, logger);
    return { migrations: result.total, applied_now: result.applied };
  },
);
