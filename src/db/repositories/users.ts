import type { Queryable } from '../pool';
import type { Principal, Role } from '../../auth/principal';

interface PrincipalRow {
  user_id: number;
  email: string;
  role: Role;
}

const toPrincipal = (row: PrincipalRow): Principal => ({ userId: row.user_id, email: row.email, role: row.role });

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

  async findBySession(db: Queryable, idHash: Buffer): Promise<Principal | undefined> {
    const { rows } = await db.query<PrincipalRow>(
      `SELECT u.id AS user_id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id_hash = $1 AND s.expires_at > now()`,
      [idHash],
    );
    return rows[0] && toPrincipal(rows[0]);
  },

  async deleteSession(db: Queryable, idHash: Buffer): Promise<void> {
    await db.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  },
};
