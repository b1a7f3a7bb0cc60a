// The cursor of lists ordered by creation time: [createdAt ISO, id]. A cursor of another shape is
// 400 INVALID_CURSOR, never a database error.
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import { decodeCursor } from "../../http/pagination.js";

const KeySchema = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);

/**
 * created_at with all its microseconds, for the cursor: a JavaScript Date keeps only milliseconds,
 * and a cursor rounded down would show again the rows created in the same millisecond.
 */
export const EXACT_CREATED_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export interface CreatedPosition {
  createdAt: string;
  id: string;
}

export function decodeCreatedCursor(cursor: string | undefined): CreatedPosition | undefined {
  if (cursor === undefined) return undefined;
  const key = KeySchema.safeParse(decodeCursor(cursor, 2));
  if (!key.success) throw new AppError("invalid_argument", "INVALID_CURSOR", "The cursor is not one this list gave");
  return { createdAt: key.data[0], id: key.data[1] };
}
