import type { Queryable } from '../pool';
import type { Principal, Role } from '../../domain/principal';

interface PrincipalRow {
  user_id: number;
  email: string;
  role: Role;
}

const toPrincipal = (row: PrincipalRow): Principal => ({ userId: row.user_id, email: row.email, role: row.role });

/** A user as `user:list` shows it: what it holds, never a secret. Timestamps are ISO-8601 UTC. */
export interface UserSummary {
  id: number;
  email: string;
  role: string;
  password: boolean;
  active_tokens: number;
  active_sessions: number;
  last_token_at: string | null;
  created_at: string;
}

/** Users, their API tokens and browser sessions: the only SQL that touches them. */
export const usersRepository = {
  async upsertUser(db: Queryable, email: string, role: Role, passwordHash: string | null): Promise<Principal> {
    const { rows } = await db.query<PrincipalRow>(
      `INSERT INTO users (email, role, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT (lower(email)) DO UPDATE
         SET role = EXCLUDED.role, password_hash = COALESCE(EXCLUDED.password_hash, users.password_hash)
       RETURNING id AS user_id, email, role`,
      [email, role, passwordHash],
    );
    return toPrincipal(rows[0]!);
  },

  async findForLogin(db: Queryable, email: string): Promise<(Principal & { passwordHash: string | null }) | undefined> {
    const { rows } = await db.query<PrincipalRow & { password_hash: string | null }>(
      'SELECT id AS user_id, email, role, password_hash FROM users WHERE lower(email) = lower($1)',
      [email],
    );
    const row = rows[0];
    return row && { ...toPrincipal(row), passwordHash: row.password_hash };
  },

  async insertToken(db: Queryable, userId: number, tokenHash: Buffer, label: string): Promise<void> {
    await db.query('INSERT INTO api_tokens (user_id, token_hash, label) VALUES ($1, $2, $3)', [userId, tokenHash, label]);
  },

  async findByToken(db: Queryable, tokenHash: Buffer): Promise<Principal | undefined> {
    const { rows } = await db.query<PrincipalRow>(
      `SELECT u.id AS user_id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
      [tokenHash],
    );
    return rows[0] && toPrincipal(rows[0]);
  },

  async insertSession(db: Queryable, userId: number, idHash: Buffer, ttlHours: number): Promise<void> {
    await db.query(
      `INSERT INTO sessions (id_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))`,
      [idHash, userId, ttlHours],
    );
  },

  /** The session's user and how long the session has left (by the database's clock), if it is still valid. */
  async findBySession(db: Queryable, idHash: Buffer): Promise<{ principal: Principal; remainingMs: number } | undefined> {
    const { rows } = await db.query<PrincipalRow & { remaining_ms: number }>(
      `SELECT u.id AS user_id, u.email, u.role, (extract(epoch FROM s.expires_at - now()) * 1000)::float8 AS remaining_ms
       FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id_hash = $1 AND s.expires_at > now()`,
      [idHash],
    );
    const row = rows[0];
    return row && { principal: toPrincipal(row), remainingMs: row.remaining_ms };
  },

  async deleteSession(db: Queryable, idHash: Buffer): Promise<void> {
    await db.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  },

  /** Revokes the token with this digest; `found` false when no such token exists. */
  async revokeToken(db: Queryable, tokenHash: Buffer): Promise<{ found: boolean; revoked: number; userId?: number }> {
    const { rows } = await db.query<{ user_id: number; newly: boolean }>(
      `WITH target AS (SELECT id, user_id, revoked_at IS NULL AS newly FROM api_tokens WHERE token_hash = $1 FOR UPDATE)
       , revoked AS (UPDATE api_tokens t SET revoked_at = now() FROM target WHERE t.id = target.id AND target.newly RETURNING t.id)
       SELECT user_id, newly FROM target`,
      [tokenHash],
    );
    const row = rows[0];
    return row ? { found: true, revoked: row.newly ? 1 : 0, userId: row.user_id } : { found: false, revoked: 0 };
  },

  /** Revokes every active token of the user with this email; undefined when there is no such user. */
  async revokeUserTokens(db: Queryable, email: string): Promise<{ user: Principal; revoked: number } | undefined> {
    const { rows } = await db.query<PrincipalRow & { revoked: number }>(
      `WITH u AS (SELECT id, email, role FROM users WHERE lower(email) = lower($1))
       , revoked AS (UPDATE api_tokens t SET revoked_at = now() FROM u WHERE t.user_id = u.id AND t.revoked_at IS NULL RETURNING t.id)
       SELECT u.id AS user_id, u.email, u.role, (SELECT count(*) FROM revoked)::int AS revoked FROM u`,
      [email],
    );
    const row = rows[0];
    return row && { user: toPrincipal(row), revoked: row.revoked };
  },

  /** Deletes the user; its tokens and sessions go with it (ON DELETE CASCADE). Undefined when there is no such user. */
  async deleteUser(db: Queryable, email: string): Promise<{ user: Principal; tokens: number; sessions: number } | undefined> {
    const { rows } = await db.query<PrincipalRow & { tokens: number; sessions: number }>(
      `WITH d AS (DELETE FROM users WHERE lower(email) = lower($1) RETURNING id, email, role)
       SELECT d.id AS user_id, d.email, d.role,
         (SELECT count(*) FROM api_tokens t WHERE t.user_id = d.id)::int AS tokens,
         (SELECT count(*) FROM sessions s WHERE s.user_id = d.id)::int AS sessions
       FROM d`,
      [email],
    );
    const row = rows[0];
    return row && { user: toPrincipal(row), tokens: row.tokens, sessions: row.sessions };
  },

  /** Every user, by id, with its password (set or not), tokens and sessions in force, and its last token's time. */
  async listSummaries(db: Queryable): Promise<UserSummary[]> {
    const { rows } = await db.query<Omit<UserSummary, 'last_token_at' | 'created_at'> & { last_token_at: Date | null; created_at: Date }>(
      `SELECT u.id, u.email, u.role, u.password_hash IS NOT NULL AS password,
         (SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL)::int AS active_tokens,
         (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > now())::int AS active_sessions,
         (SELECT max(t.created_at) FROM api_tokens t WHERE t.user_id = u.id) AS last_token_at,
         u.created_at
       FROM users u
       ORDER BY u.id`,
    );
    return rows.map((r) => ({ ...r, last_token_at: r.last_token_at?.toISOString() ?? null, created_at: r.created_at.toISOString() }));
  },
};
