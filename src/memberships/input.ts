import type { Readable } from 'node:stream';
import { STREAM_BODY_LIMIT } from '../http/body-limits.ts';
import { csvRecords, isBodyStream, ndjsonRecords, type BodyFormat } from '../http/streaming.ts';
import { validationFailed } from '../http/problem.ts';
import { CSV_COLUMNS } from './schemas.ts';

/** One record as sent, before validation, with where it was (`line` for CSV/NDJSON, `path` for JSON). */
export interface RawRecord {
  line?: number;
  /** Prefix of error paths: `records.3` in JSON, empty for CSV and NDJSON (the line says where). */
  path: string;
  value: unknown;
  /** A problem found while reading (e.g. a CSV row with the wrong number of fields). */
  readError?: string;
}

const OPTIONAL_TEXT = new Set<string>(CSV_COLUMNS.optional);

/**
 * A CSV row as the record object the JSON form would carry. `programs` is one field holding the
 * programs separated by `|` or `;` (or commas when the field is quoted); an empty field is none.
 * Empty optional columns are absent.
 */
export function csvToRecord(values: Record<string, string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === 'programs') record.programs = value === '' ? [] : value.split(/[|;,]/).map((p) => p.trim()).filter((p) => p !== '');
    else if (value === '' && OPTIONAL_TEXT.has(key)) continue;
    else record[key] = value;
  }
  return record;
}

async function* fromJson(body: unknown): AsyncGenerator<RawRecord> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationFailed([{ path: 'body', message: 'expected an object { records: [...] }' }]);
  }
  const unknownKeys = Object.keys(body).filter((k) => k !== 'records');
  const records = (body as { records?: unknown }).records;
  if (unknownKeys.length || !Array.isArray(records)) {
    throw validationFailed([
      ...unknownKeys.map((k) => ({ path: k, message: 'unknown field' })),
      ...(Array.isArray(records) ? [] : [{ path: 'records', message: 'expected an array of records' }]),
    ]);
  }
  for (let i = 0; i < records.length; i++) yield { path: `records.${i}`, value: records[i] };
}

async function* fromCsv(stream: Readable): AsyncGenerator<RawRecord> {
  for await (const row of csvRecords(stream, CSV_COLUMNS, STREAM_BODY_LIMIT)) {
    if ('error' in row) yield { line: row.line, path: '', value: null, readError: row.error };
    else yield { line: row.line, path: '', value: csvToRecord(row.values) };
  }
}

async function* fromNdjson(stream: Readable): AsyncGenerator<RawRecord> {
  for await (const { line, value } of ndjsonRecords(stream, STREAM_BODY_LIMIT)) yield { line, path: '', value };
}

/** The records of an import body, read one at a time (streams are never held in memory whole). */
export function importRecords(format: BodyFormat, body: unknown): AsyncGenerator<RawRecord> {
  if (format === 'json') return fromJson(body);
  if (!isBodyStream(body)) throw new Error(`expected a stream for ${format}`);
  return format === 'csv' ? fromCsv(body) : fromNdjson(body);
}
