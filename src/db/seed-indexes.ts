import type pg from 'pg';

// Indexes that back no constraint (the primary keys and unique keys stay, foreign keys need them).
const SECONDARY_INDEXES = `
  SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
  WHERE t.oid = ANY($1::regclass[]) AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
  ORDER BY 1`;

/**
 * Runs `load` on `tables` with their secondary indexes dropped, then builds them again from their own
 * definitions, in the caller's transaction. Maintained row by row, indexes keyed in an order other than the
 * insert order (contact, client, status) take a random page per row; once they outgrow shared_buffers that
 * made the seed superlinear (10M assets: 14.6x the time of 1M). Built afterwards, each is one sort.
 */
export async function withoutSecondaryIndexes<T>(client: pg.ClientBase, tables: string[], load: () => Promise<T>): Promise<T> {
  const { rows } = await client.query<{ name: string; definition: string }>(SECONDARY_INDEXES, [tables]);
  // The names come from the catalog as regclass text, already quoted where needed.
  for (const { name } of rows) await client.query(`DROP INDEX ${name}`);
  const loaded = await load();
  for (const { definition } of rows) await client.query(definition);
  return loaded;
}
