/**
 * workers/sql/ is the only place the worker writes SQL; statements are parameterised. This file: the WAL
 * relay's leadership lock and its replication slot.
 */

const LOCK_KEY = `hashtext('awc_cache_wal_relay')::int8`;

/** The relay's leadership: a session advisory lock, per database like the slot. */
export const LEADER_LOCK_SQL = `SELECT pg_try_advisory_lock(${LOCK_KEY}) AS leader, current_database() AS database`;

/** A one-key advisory lock shows in pg_locks as its high and low 32 bits (classid, objid) with objsubid 1. */
export const TERMINATE_LEADER_SQL = `SELECT pid, pg_terminate_backend(pid) FROM (SELECT l.pid FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.pid <> pg_backend_pid()
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.classid = ((${LOCK_KEY} >> 32) & 4294967295)::oid AND l.objid = (${LOCK_KEY} & 4294967295)::oid) holder`;

export const CURRENT_DATABASE_SQL = 'SELECT current_database() AS database';

/** $1 in the statements below: the slot's name. */
export const RELEASE_SLOT_SQL =
  'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active AND active_pid <> pg_backend_pid()';
export const SLOT_STATUS_SQL = 'SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1';
export const SLOT_ACTIVE_SQL = 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active';
export const DROP_SLOT_SQL = 'SELECT pg_drop_replication_slot($1)';
export const CREATE_SLOT_SQL = `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`;
export const DROP_SLOT_IF_EXISTS_SQL = 'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1';
export const SLOT_LAG_SQL = 'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag FROM pg_replication_slots WHERE slot_name = $1';

/** $1: a LISTEN connection's application_name. */
export const LISTENER_PRESENT_SQL = 'SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 LIMIT 1';
