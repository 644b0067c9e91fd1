import { DEFAULT_PAGE_SIZE } from './admin-api.constants';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';

/** A page of a list endpoint. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** Encodes an opaque cursor: base64url of `{l: listing, k: key after which the next page starts}`. */
export function encodeCursor(listing: string, key: unknown): string {
  return Buffer.from(JSON.stringify({ l: listing, k: key }), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} for the same `listing`.
 * @throws AdminApiException INVALID_CURSOR when it is malformed or belongs to another listing
 */
export function decodeCursor(listing: string, cursor: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const record = parsed as { l?: unknown; k?: unknown } | null;
  if (!record || typeof record !== 'object' || record.l !== listing || record.k === undefined)
    throw new AdminApiException(AdminApiErrorCode.InvalidCursor, 'The cursor is not valid for this list.');
  return record.k;
}

/**
 * Keyset pagination over an in-memory list: sorts by `keyOf` (unique, ascending) and returns the
 * items after the cursor's key, at most `limit` (default 50).
 * @throws AdminApiException INVALID_CURSOR
 */
export function paginate<T>(
  listing: string,
  items: readonly T[],
  keyOf: (item: T) => string,
  query: { cursor?: string; limit?: number },
): Page<T> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const sorted = [...items].sort((a, b) => compare(keyOf(a), keyOf(b)));
  let start = 0;
  if (query.cursor !== undefined) {
    const after = decodeCursor(listing, query.cursor);
    if (typeof after !== 'string')
      throw new AdminApiException(AdminApiErrorCode.InvalidCursor, 'The cursor is not valid for this list.');
    start = sorted.findIndex((item) => compare(keyOf(item), after) > 0);
    if (start === -1) start = sorted.length;
  }
  const page = sorted.slice(start, start + limit);
  const more = start + limit < sorted.length;
  return {
    items: page,
    nextCursor: more && page.length > 0 ? encodeCursor(listing, keyOf(page[page.length - 1])) : null,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
