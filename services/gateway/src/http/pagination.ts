// Cursor pagination for list routes: the client gets `nextCursor`, an opaque token of the last row's
// sort key and id, and sends it back as `cursor` for the next page. Rows are fetched `limit + 1` at a
// time so the last page is known without a count. A cursor is only a position: every query still
// filters by the caller's tenant, so a cursor from another tenant finds nothing of it.
import { z } from "zod";
import { AppError } from "@fleet/service-kit";

export type CursorValue = string | number | null;

export const MAX_PAGE_SIZE = 100;

/** `?limit=…&cursor=…` (declare it in a route's query, extended with the route's own filters). */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(25),
  cursor: z.string().max(512).optional(),
});

export function encodeCursor(key: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

const CursorSchema = z.array(z.union([z.string().max(300), z.number(), z.null()])).max(8);

/** The sort key of a cursor, which must have `arity` parts; a bad cursor is 400 INVALID_CURSOR. */
export function decodeCursor(cursor: string, arity: number): CursorValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const key = CursorSchema.safeParse(parsed);
  if (!key.success || key.data.length !== arity) throw new AppError("invalid_argument", "INVALID_CURSOR", "The cursor is not one this list gave");
  return key.data;
}

export interface Page<T> {
  items: T[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** A page from rows fetched with `limit + 1`: the extra row only says there is a next page. */
export function pageOf<T>(rows: readonly T[], limit: number, keyOf: (row: T) => CursorValue[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** The response schema of a page of `item`s (for route declarations and the OpenAPI document). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
