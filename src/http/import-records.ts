// The records of a bulk import body (JSON `{ records }`, CSV or NDJSON), read one at a time: streams
// are never held in memory whole. Shared by the imports of memberships and registrations; each
// feature validates the records with its own schema.
import type { Readable } from 'node:stream';
import { STREAM_BODY_LIMIT } from './body-limits.ts';
import { validationFailed } from './problem.ts';
import { csvRecords, isBodyStream, ndjsonRecords, type BodyFormat, type CsvColumns, type RecordErrors } from './streaming.ts';

/** One record as sent, before validation, with where it was (`line` for CSV/NDJSON, `path` for JSON). */
export interface RawRecord {
  line?: number;
  /** Prefix of error paths: `records.3` in JSON, empty for CSV and NDJSON (the line says where). */
  path: string;
  value: unknown;
  /** A problem found while reading (e.g. a CSV row with the wrong number of fields). */
  readError?: string;
}

export interface ImportShape {
  /** The CSV header's columns. */
  columns: CsvColumns;
  /** A CSV row as the record object the JSON form would carry. */
  fromCsv(values: Record<string, string>): Record<string, unknown>;
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

/**
 * A record reader's items mapped one by one, without an async generator of its own: each generator
 * between the reader and the importer cost a promise and a turn of the microtask queue per record
 * (about a microsecond each, on files of a million records). Stopping early stops the reader.
 */
function mapped<T>(source: AsyncGenerator<T>, map: (item: T) => RawRecord): AsyncIterableIterator<RawRecord> {
  const end: IteratorResult<RawRecord> = { done: true, value: undefined };
  return {
    next: () => source.next().then((result) => (result.done ? end : { done: false, value: map(result.value) })),
    return: async () => {
      await source.return(undefined);
      return end;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

const fromCsv = (stream: Readable, shape: ImportShape): AsyncIterableIterator<RawRecord> =>
  mapped(csvRecords(stream, shape.columns, STREAM_BODY_LIMIT), (row) =>
    ('error' in row ? { line: row.line, path: '', value: null, readError: row.error } : { line: row.line, path: '', value: shape.fromCsv(row.values) }));

const fromNdjson = (stream: Readable): AsyncIterableIterator<RawRecord> =>
  mapped(ndjsonRecords(stream, STREAM_BODY_LIMIT), ({ line, value }) => ({ line, path: '', value }));

/** The records of an import body, read one at a time. */
export function importRecordIterator(format: BodyFormat, body: unknown, shape: ImportShape): AsyncIterableIterator<RawRecord> {
  if (format === 'json') return fromJson(body);
  if (!isBodyStream(body)) throw new Error(`expected a stream for ${format}`);
  return format === 'csv' ? fromCsv(body, shape) : fromNdjson(body);
}

/** The records of an import body, read one at a time, as a generator. */
export function importRecords(format: BodyFormat, body: unknown, shape: ImportShape): AsyncGenerator<RawRecord> {
  const records = importRecordIterator(format, body, shape);
  return (async function* () {
    yield* records;
  })();
}

/** How far in the future an asOf may lie (clock skew); a later one would make data look fresh forever. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

type Parsed<T> = { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };

/**
 * One record of an import checked as both imports check theirs: a reading problem, the feature's
 * own schema (`parse`), an asOf beyond `latestAllowed`. Answers the record, or null with the
 * problem added to `errors` under the record's path and line.
 */
export function checkedRecord<T extends { asOf: string }>(
  raw: RawRecord, parse: (value: unknown) => Parsed<T>, errors: RecordErrors, latestAllowed: number,
): T | null {
  if (raw.readError) {
    errors.add({ path: raw.path || 'record', message: raw.readError, ...(raw.line !== undefined ? { line: raw.line } : {}) });
    return null;
  }
  const parsed = parse(raw.value);
  if (!parsed.success) {
    errors.addIssues(parsed.error.issues, raw.path, raw.line);
    return null;
  }
  if (Date.parse(parsed.data.asOf) > latestAllowed) {
    errors.addIssues([{ path: ['asOf'], message: 'asOf lies in the future' }], raw.path, raw.line);
    return null;
  }
  return parsed.data;
}
