import type { LoggerOptions } from 'pino';

/** Personal data (NIK, names) and credentials never reach the logs. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
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

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: {
      req: (req: { id?: string; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: req.url }),
    },
  };
}
