import { z } from 'zod';
import { AppError } from './problem.ts';
import { isApiInstant } from './schemas.ts';

export const limitSchema = z.coerce.number().int().min(1).max(500).default(50).describe('Page size, 1..500');
export const cursorSchema = z.string().max(500).optional().describe('Opaque cursor from a previous page');

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new AppError('VALIDATION_FAILED', { errors: [{ path: 'query.cursor', message: 'not a cursor this API issued' }] });
  }
}

export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/**
 * The usual keyset: [created_at as UTC text with microseconds, id]. Kept as text because a JS Date
 * would drop the microseconds and make the next page repeat rows.
 */
export const createdAtIdCursor = z.tuple([
  z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/).refine(isApiInstant),
  z.uuid(),
]);
export type CreatedAtIdCursor = z.infer<typeof createdAtIdCursor>;
