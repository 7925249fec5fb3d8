import crypto from 'node:crypto';
import argon2 from 'argon2';

/** A new API token or session id: 256 random bits, prefixed so a leaked token is recognisable in scans. */
export function newSecret(prefix: 'awc_tok' | 'awc_ses'): string {
  return `${prefix}_${crypto.randomBytes(32).toString('base64url')}`;
}

/**
 * Tokens and session ids are stored and looked up by SHA-256: they are random, so a slow hash would add
 * nothing, and the lookup is by index, so there is no string comparison to time.
 */
export function hashSecret(secret: string): Buffer {
  return crypto.createHash('sha256').update(secret).digest();
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

let dummyHash: Promise<string> | undefined;

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  // Always spend the argon2 time, even for an unknown user, so the answer's timing does not reveal accounts.
  const target = hash ?? (await (dummyHash ??= hashPassword(crypto.randomUUID())));
  const ok = await argon2.verify(target, password).catch(() => false);
  return ok && hash !== null;
}
