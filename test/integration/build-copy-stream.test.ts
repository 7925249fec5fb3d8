import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyOut } from '../../workers/build-copy-stream';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

async function bytesOf(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Rows of every size up to several socket reads long, NULLs among them. */
const MIXED_ROWS = `SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE repeat(chr(65 + g % 26), (g * 37) % 300) END,
  CASE WHEN g % 997 = 0 THEN repeat('é', 100000) END FROM generate_series(1, 60000) g`;

describe('copyOut: COPY TO STDOUT with each socket read compacted in place', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client(db.url);
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('delivers exactly the bytes pg-copy-streams delivers, binary and text, and leaves the connection usable', async () => {
    for (const format of ['(FORMAT binary)', '']) {
      const sql = `COPY (${MIXED_ROWS}) TO STDOUT ${format}`;
      const expected = await bytesOf(client.query(copyTo(sql)));
      const actual = await bytesOf(client.query(copyOut(sql)));
      expect(actual.length).toBeGreaterThan(10_000_000);
      expect(actual.equals(expected)).toBe(true);
    }
    expect((await client.query('SELECT 42 AS n')).rows).toEqual([{ n: 42 }]);
  });

  it('skips notices sent between the rows (the copy stream consumes them, as pg-copy-streams does)', async () => {
    await client.query('SET client_min_messages = notice');
    await client.query(`CREATE FUNCTION pg_temp.noisy(n int) RETURNS int LANGUAGE plpgsql AS $$
      BEGIN IF n % 500 = 0 THEN RAISE NOTICE 'row %', n; END IF; RETURN n; END $$`);
    const text = (await bytesOf(client.query(copyOut('COPY (SELECT pg_temp.noisy(g) FROM generate_series(1, 20000) g) TO STDOUT')))).toString();
    expect(text).toBe(`${Array.from({ length: 20000 }, (_, i) => i + 1).join('\n')}\n`);
  });

  it('fails with the server error raised in the middle of the rows, and the connection answers the next query', async () => {
    const failing = bytesOf(client.query(copyOut('COPY (SELECT 1 / (50000 - g) FROM generate_series(1, 100000) g) TO STDOUT')));
    await expect(failing).rejects.toThrow(/division by zero/);
    expect((await client.query('SELECT 7 AS n')).rows).toEqual([{ n: 7 }]);
  });
});
