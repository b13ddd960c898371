/** The PostgreSQL error behind a (possibly drizzle-wrapped) driver error, if there is one. */
export function pgError(err: unknown): { code: string; constraint?: string } | null {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      const constraint = (e as { constraint?: unknown }).constraint;
      return { code, ...(typeof constraint === 'string' ? { constraint } : {}) };
    }
  }
  return null;
}

export const isUniqueViolation = (err: unknown, constraint?: string): boolean => {
  const pg = pgError(err);
  return pg?.code === '23505' && (constraint === undefined || pg.constraint === constraint);
};
