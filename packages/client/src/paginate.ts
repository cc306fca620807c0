import { getOperation } from '@dds-backup/contract';
import { ResponseFormatError } from './errors.js';

/** One page as a list operation answers it. */
export interface Page<T> {
  items: T[];
  total: number;
}

/**
 * Every item of an offset/limit list operation (the spec's `x-paging`, DECISIONS.md D-26), one
 * request per page, pages fetched only as the caller iterates. Items are keyed by `id`: one that
 * reappears on a later page (the list shifted while it was read, e.g. a new backup arrived) is
 * given once. Stops at `total_count`, at an empty page, or after a page that moved nothing.
 */
export async function* paginate<T extends { id: string }>(
  operationId: string,
  fetchPage: (offset: number, limit: number) => Promise<Page<T>>,
  pageSize?: number,
): AsyncGenerator<T, void, undefined> {
  const paging = getOperation(operationId)?.paging;
  if (!paging) throw new Error(`${operationId} has no x-paging in the spec.`);
  const limit = Math.min(pageSize ?? paging.maxLimit, paging.maxLimit);
  const seen = new Set<string>();
  for (let offset = 0; ; ) {
    const page = await fetchPage(offset, limit);
    if (!Array.isArray(page.items) || !Number.isSafeInteger(page.total))
      throw new ResponseFormatError(`${operationId} answered 200 without \`${paging.items}\` and \`${paging.total}\`.`);
    for (const item of page.items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      yield item;
    }
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) return;
  }
}
