/**
 * workers/sql/ is the only place the worker writes SQL; statements are parameterised. This file: whether
 * logical decoding is available, and the notify triggers the WAL relay replaces.
 */

/** The notify triggers of 002-change-feed.sql. */
export const NOTIFY_TRIGGERS = ['assets_notify', 'contacts_notify_write', 'contacts_notify_name', 'tickets_notify_write', 'tickets_notify_contact'];

export const WAL_AVAILABILITY_SQL = `SELECT current_setting('wal_level') AS wal_level,
            (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS replication`;

/** $1: the trigger names, $2: how many there are. */
export const NOTIFY_TRIGGERS_ENABLED_SQL = `SELECT count(*) = $2 AND bool_and(t.tgenabled <> 'D') AS enabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = 'public'::regnamespace AND t.tgname = ANY($1)`;

/** The triggers of $1 that are not in the state $2 asks for (true = enabled), with their tables. */
export const NOTIFY_TRIGGERS_TO_SET_SQL = `SELECT c.relname AS table, t.tgname AS trigger FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = 'public'::regnamespace AND t.tgname = ANY($1) AND (t.tgenabled = 'D') = $2`;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** ALTER TABLE takes no parameters: the names come from pg_trigger for NOTIFY_TRIGGERS, and are checked anyway. */
export function setTriggerSql(table: string, trigger: string, enabled: boolean): string {
  if (!IDENTIFIER.test(table) || !IDENTIFIER.test(trigger)) throw new Error(`unexpected trigger ${JSON.stringify(`${table}.${trigger}`)}`);
  return `ALTER TABLE ${table} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${trigger}`;
}
