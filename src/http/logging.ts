import type { LoggerOptions } from 'pino';

/** Personal data (NIK, names) and credentials never reach the logs. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'nik',
  'niks',
  'name',
  'kpj',
  '*.nik',
  '*.niks',
  '*.name',
  '*.kpj',
  '*.*.nik',
  '*.*.name',
  '*.workers[*].nik',
  '*.workers[*].name',
  '*.records[*].nik',
  '*.records[*].name',
  'body',
  'req.body',
];

const NIK_LIKE = /\b\d{16}\b/g;
// A run of 16 or more digits in a URL (a NIK pasted where it does not belong) keeps its first 6 and
// last 4 digits, as NIKs are masked everywhere else.
const DIGIT_RUN = /(?<!\d)(\d{6})(\d{6,})(\d{4})(?!\d)/g;
export const maskUrl = (url: string | undefined): string | undefined =>
  url?.replace(DIGIT_RUN, (_all, head: string, middle: string, tail: string) => `${head}${'*'.repeat(middle.length)}${tail}`);
const QUOTED = /"[^"]*"/g;
// Fields of a driver error that name things (a constraint, a column) but never hold row values.
const SAFE_ERROR_FIELDS = ['code', 'statusCode', 'query', 'constraint', 'table', 'column', 'routine', 'severity'];

/**
 * An error as it is logged, without the values it may carry: a failed query's `params` and its
 * message (drizzle puts the parameters there), PostgreSQL's `detail` ("Key (nik)=(...)") and, for
 * data exceptions (class 22), the quoted input in the message.
 */
export function errorForLog(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & Record<string, unknown>;
  let message = typeof e.query === 'string' ? `Failed query: ${e.query}` : e.message;
  if (typeof e.code === 'string' && e.code.startsWith('22')) message = message.replace(QUOTED, '"[redacted]"');
  const out: Record<string, unknown> = {
    type: e.name,
    message: message.replace(NIK_LIKE, '[redacted]'),
    stack: (e.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).join('\n'),
  };
  for (const key of SAFE_ERROR_FIELDS) if (e[key] !== undefined) out[key] = e[key];
  if (e.cause !== undefined && depth < 3) out.cause = errorForLog(e.cause, depth + 1);
  return out;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: {
      req: (req: { id?: string; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: maskUrl(req.url) }),
      err: errorForLog,
    },
  };
}
