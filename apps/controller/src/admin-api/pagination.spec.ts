import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';
import { encodeCursor, paginate } from './pagination';

describe('paginate', () => {
  const items = ['e', 'a', 'd', 'b', 'c'].map((id) => ({ id }));

  it('walks a list in key order, page by page, with no gaps or repeats', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const sut = paginate('letters', items, (item) => item.id, { cursor, limit: 2 });
      seen.push(...sut.items.map((item) => item.id));
      cursor = sut.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pages).toBe(3);
  });

  it('continues after the cursor key even when that item was deleted meanwhile', () => {
    const first = paginate('letters', items, (item) => item.id, { limit: 2 });
    const remaining = items.filter((item) => item.id !== 'b');
    const second = paginate('letters', remaining, (item) => item.id, { cursor: first.nextCursor!, limit: 2 });
    expect(second.items.map((item) => item.id)).toEqual(['c', 'd']);
  });

  it('refuses a malformed cursor and a cursor of another listing (INVALID_CURSOR)', () => {
    for (const cursor of ['not-base64-json', encodeCursor('pools', 'a'), encodeCursor('letters', 42)]) {
      let thrown: unknown;
      try {
        paginate('letters', items, (item) => item.id, { cursor });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AdminApiException);
      expect((thrown as AdminApiException).code).toBe(AdminApiErrorCode.InvalidCursor);
    }
  });
});
