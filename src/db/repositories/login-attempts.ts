import type { Queryable } from '../pool';

/** Which window refused a sign-in attempt. */
export type RefusedScope = 'pair' | 'address';

/** The `login_attempts` windows behind the login limiter: `pair` is keyed `<address> <account>`. */
export const loginAttemptsRepository = {
  /** Counts one attempt in every window it falls in, unless a pair or address window is full (one statement, see 004). */
  async reserve(
    db: Queryable,
    account: string,
    address: string,
    limits: { perAccount: number; perAddress: number; windowSeconds: number },
  ): Promise<{ refused: RefusedScope | null; retryAfterSeconds: number; accountAttempts: number | null }> {
    const { rows } = await db.query<{ refused: RefusedScope | null; retry_after_seconds: number; account_attempts: number | null }>(
      'SELECT refused, retry_after_seconds, account_attempts FROM awc_login_reserve($1, $2, $3, $4, $5)',
      [account, address, limits.perAccount, limits.perAddress, limits.windowSeconds],
    );
    const row = rows[0]!;
    return { refused: row.refused, retryAfterSeconds: row.retry_after_seconds, accountAttempts: row.account_attempts };
  },

  /** Deletes the pair's window and gives the address and the account back one attempt. */
  async forgivePair(db: Queryable, account: string, address: string): Promise<void> {
    await db.query(
      `WITH cleared AS (DELETE FROM login_attempts WHERE scope = 'pair' AND key = $1)
       UPDATE login_attempts SET attempts = greatest(attempts - 1, 0)
       WHERE expires_at > now() AND ((scope = 'address' AND key = $2) OR (scope = 'account' AND key = $3))`,
      [`${address} ${account}`, address, account],
    );
  },

  /** Gives the pair, the address and the account back one attempt each. */
  async giveBack(db: Queryable, account: string, address: string): Promise<void> {
    await db.query(
      `UPDATE login_attempts SET attempts = greatest(attempts - 1, 0)
       WHERE expires_at > now() AND ((scope = 'pair' AND key = $1) OR (scope = 'address' AND key = $2) OR (scope = 'account' AND key = $3))`,
      [`${address} ${account}`, address, account],
    );
  },

  /** Deletes the windows that have ended; returns how many. */
  async deleteExpired(db: Queryable): Promise<number> {
    const result = await db.query('DELETE FROM login_attempts WHERE expires_at <= now()');
    return result.rowCount ?? 0;
  },
};
