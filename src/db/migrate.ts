import fs from 'node:fs/promises';
import type pg from 'pg';
import type { Logger } from '../logger';
import { projectPath } from '../paths';

const MIGRATIONS_DIR = projectPath('src', 'db', 'migrations');
// Any fixed 64-bit number: several instances starting together apply migrations one at a time.
const MIGRATION_LOCK_ID = 7_151_506_001;

export interface MigrationResult {
  applied: string[];
  total: number;
}

/**
 * Applies the numbered `NNN-name.sql` files not yet recorded in `schema_migrations`, each in its own
 * transaction. Safe to run again and from several processes at once.
 */
export async function migrate(client: pg.ClientBase, logger: Logger): Promise<MigrationResult> {
  const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}-[\w-]+\.sql$/.test(f)).sort();
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const done = new Set(
      (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name),
    );
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await fs.readFile(`${MIGRATIONS_DIR}/${file}`, 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(file);
      logger.info({ event: 'db.migrate', migration: file }, 'migration applied');
    }
    return { applied, total: files.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
  }
}
