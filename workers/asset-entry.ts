/**
 * One active asset as the cache holds it: a row of the snapshot build, an overlay change, a decoded entry.
 * Its own module so the index, its overlay and the snapshot readers share it without importing each other.
 */

/** One active asset. Entries handed out by the index are shared with it, hence read-only. */
export interface AssetEntry {
  readonly id: number;
  /** 0 = unassigned. */
  readonly contactId: number;
  readonly clientId: number;
  /** created_at as microseconds since the epoch, exact. */
  readonly createdAtUs: number;
  readonly version: number;
  /** The asset's widget JSON object, serialised. */
  readonly fragment: string;
}
