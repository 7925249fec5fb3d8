import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { FLOOR_COPY_SQL } from '../../workers/sql/snapshot';

/**
 * The export floor of a snapshot build: PostgreSQL sending exactly the rows and columns the build reads
 * (COPY, text format, as psql's \copy does), one table after the other, the bytes discarded. A build cannot
 * be faster than the database sends its input.
 */
export async function exportFloor(databaseUrl: string): Promise<{ ms: number; bytes: number }> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    const started = performance.now();
    let bytes = 0;
    for (const sql of FLOOR_COPY_SQL) {
      for await (const chunk of client.query(copyTo(sql)) as AsyncIterable<Buffer>) bytes += chunk.length;
    }
    return { ms: Math.round(performance.now() - started), bytes };
  } finally {
    await client.end();
  }
}
