/** Offset pagination: validated `limit`/`offset` in, the `pagination` object of list responses out. */
export interface PageRequest {
  limit: number;
  offset: number;
}

export interface Pagination {
  limit: number;
  offset: number;
  count: number;
  total: number;
  hasMore: boolean;
  nextOffset: number | null;
}

export function pagination(page: PageRequest, count: number, total: number): Pagination {
  const hasMore = page.offset + count < total;
  return { ...page, count, total, hasMore, nextOffset: hasMore ? page.offset + count : null };
}
