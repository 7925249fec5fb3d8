import { move, transferableSymbol, valueSymbol } from 'piscina';
import { directoryTransferList } from './directory';
import { snapshotTransferList } from './snapshot';
import { readSnapshot } from './snapshot-read';

export interface BuildTaskInput {
  databaseUrl: string;
  maxConcurrentBuilds: number;
}

/** Piscina task: the packed snapshot travels back as a transfer of its buffers, received at ~0 cost. */
export default async function buildSnapshot(input: BuildTaskInput): Promise<unknown> {
  const output = await readSnapshot(input.databaseUrl, input.maxConcurrentBuilds);
  return move({
    get [transferableSymbol]() {
      return [...snapshotTransferList(output.assets), ...directoryTransferList(output.directory)];
    },
    get [valueSymbol]() {
      return output;
    },
  } as never);
}

/**
 * Named task run when the cache starts: the thread spawns and loads its modules (pg, the builders) while the
 * change feed starts, instead of in front of the first build.
 */
export function ready(): null {
  return null;
}
