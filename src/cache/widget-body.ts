/**
 * The widget answer's one definition, used by every path that produces it (the cache worker for a cached
 * ticket, the front for a SQL ticket with cached or SQL assets, the grace path), so the bytes and the ETag
 * are the same whichever path answered.
 *
 * The ETag comes from what the cache already holds, never from hashing the body: the ticket's contact, the
 * contact's active-asset count and the row versions of the assets shown (a version is unique across all
 * assets and changes on every write, so it names a row's content exactly), and the contact's name, which has
 * no version column, by a 64-bit FNV-1a digest of its JSON text.
 */

/** The part of the answer that comes from the contact's assets: what the cache's index gives for a contact. */
export interface AssetsPart {
  /** The newest assets' fragments as a JSON array. */
  assetsJson: string;
  /** All active assets of the contact. */
  total: number;
  /** `total` and the versions of the assets shown, e.g. `3.1207-988`: the assets' share of the ETag. */
  tag: string;
}

/** A whole widget body, its ETag and the ticket's contact (0: the ticket has none). */
export type TicketBody = readonly [body: string, etag: string, contactId: number];

/** The assets part from what a contact lookup carries (its JSON and its tag, which begins with the total). */
export function assetsPart(assetsJson: string, tag: string): AssetsPart {
  return { assetsJson, tag, total: Number(tag.slice(0, tag.indexOf('.'))) };
}

export const NO_CONTACT_BODY = '{"assets":[],"contact_name":null,"total_assets":0}';
export const NO_CONTACT_TAG = '"w0"';

export function assetsTag(total: number, shownVersions: readonly number[]): string {
  return `${total}.${shownVersions.join('-')}`;
}

/** The body: keys in one order, parts already serialised (contactNameJson is the name as JSON text). */
export function widgetBody(part: AssetsPart, contactNameJson: string): string {
  return `{"assets":${part.assetsJson},"contact_name":${contactNameJson},"total_assets":${part.total}}`;
}

/** The strong ETag of `widgetBody(part, contactNameJson)` for a ticket of `contactId`. */
export function widgetTag(contactId: number, part: AssetsPart, contactNameJson: string): string {
  return `"w${contactId}.${part.tag}.${nameDigest(contactNameJson)}"`;
}

/** FNV-1a over UTF-16 code units in two 32-bit lanes (different offsets and primes): 64 bits, base36. */
function nameDigest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return `${a.toString(36).padStart(7, '0')}${b.toString(36).padStart(7, '0')}`;
}
