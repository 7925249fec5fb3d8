import { AppError } from '../errors';

/** Where a page of a contact's assets ends: the last asset's `created_at` (µs) and id, newest-first order. */
export interface PageCursor {
  us: number;
  id: number;
}

/** One page of a contact's active assets, newest first: what the cache worker or SQL gives for it. */
export interface ContactPage {
  total: number;
  /** The page's fragments as a JSON array (the widget's asset fragments). */
  assetsJson: string;
  /** Row versions of the page's assets, in order: the ETag's source. */
  versions: number[];
  /** Set when assets follow this page. */
  next: PageCursor | null;
}

/** Opaque to clients: base64url of `<µs>.<id>`. */
function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.us}.${cursor.id}`).toString('base64url');
}

/** The cursor a client sent back, or a 400 naming `cursor`. */
export function decodeCursor(text: string): PageCursor {
  const match = /^(-?\d{1,17})\.(\d{1,10})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  const cursor = match && { us: Number(match[1]), id: Number(match[2]) };
  if (!cursor || !Number.isSafeInteger(cursor.us) || cursor.id < 1 || cursor.id > 2_147_483_647) {
    throw new AppError('VALIDATION_FAILED', 'Invalid or missing fields: cursor', { fields: [{ field: 'cursor', message: 'is not a cursor this API gave out' }] });
  }
  return cursor;
}

/** `{assets, total_assets, next_cursor}` and its strong ETag, the same whichever path produced the page. */
export function contactPageAnswer(contactId: number, page: ContactPage, after: string | undefined): { body: string; etag: string } {
  const next = page.next ? encodeCursor(page.next) : null;
  return {
    body: `{"assets":${page.assetsJson},"total_assets":${page.total},"next_cursor":${next === null ? 'null' : `"${next}"`}}`,
    etag: `"c${contactId}.${page.total}.${page.versions.join('-')}.${after ?? ''}.${next === null ? 0 : 1}"`,
  };
}

/** Whether an asset (µs, id) comes after the cursor in newest-first order. */
export const isAfter = (us: number, id: number, cursor: PageCursor): boolean => us < cursor.us || (us === cursor.us && id < cursor.id);
