// Record-by-record reading of streamed request bodies (text/csv, application/x-ndjson), so an
// import of hundreds of megabytes never sits in memory. app.ts hands these bodies to the route as
// the raw stream; nothing has read them when the handler starts.
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, parse } from 'csv-parse';
import type { FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { AppError, validationFailed, type FieldError } from './problem.ts';

export type BodyFormat = 'json' | 'csv' | 'ndjson';

/** Longest CSV record or NDJSON line accepted; a longer one is a malformed body, not a reason to buffer. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export function bodyFormat(request: FastifyRequest): BodyFormat | null {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'text/csv') return 'csv';
  if (type === 'application/x-ndjson') return 'ndjson';
  return null;
}

export const isBodyStream = (body: unknown): body is Readable => body instanceof Readable;

export const unsupportedMediaType = (accepted: string[]): AppError =>
  new AppError('UNSUPPORTED_MEDIA_TYPE', {
    detail: { id: `Jenis konten yang diterima: ${accepted.join(', ')}`, en: `Accepted content types: ${accepted.join(', ')}` },
  });

const tooLarge = (maxBytes: number): AppError =>
  new AppError('PAYLOAD_TOO_LARGE', {
    detail: { id: `Isi permintaan melebihi ${maxBytes} byte`, en: `The request body exceeds ${maxBytes} bytes` },
  });

const malformed = (line: number, en: string, id: string): AppError =>
  new AppError('MALFORMED_BODY', { detail: { id: `Baris ${line}: ${id}`, en: `Line ${line}: ${en}` }, errors: [{ path: 'body', line, message: en }] });

/**
 * Route-level validator compiler for routes whose body is JSON or a stream: params and query are
 * validated by zod as everywhere, the body is passed through untouched. Such routes validate the
 * body themselves, record by record with the same zod schemas, so JSON, CSV and NDJSON produce the
 * same errors (with `line` or `path`) and the error list can be capped on huge files.
 */
export const bodyValidatedByRoute: FastifySchemaCompiler<unknown> = (route) => {
  if (route.httpPart === 'body') return (data: unknown) => ({ value: data });
  return validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
};

/** Refuses early when the declared length is over the cap; the byte counter below catches liars. */
function checkDeclaredLength(stream: Readable, maxBytes: number): void {
  const declared = Number((stream as Readable & { headers?: Record<string, string | undefined> }).headers?.['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
}

// Stopping early must not destroy the request: that would reset the connection before the 4xx
// is sent (see closeUnreadBody).
async function* cappedChunks(stream: Readable, maxBytes: number): AsyncGenerator<Buffer> {
  checkDeclaredLength(stream, maxBytes);
  let total = 0;
  for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    yield buffer;
  }
}

/**
 * Runs a handler that reads a streamed body. A handler that stops early (a bad header, a 404)
 * leaves the rest unread; Node then reads and discards it, so the client finishes sending and
 * gets the answer. Only an oversized body (413) closes the connection instead of draining it.
 */
export async function closeUnreadBody<T>(reply: FastifyReply, body: unknown, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError && err.code === 'PAYLOAD_TOO_LARGE' && isBodyStream(body) && !body.readableEnded) reply.header('connection', 'close');
    throw err;
  }
}

const LONE_SURROGATE_ESCAPE = /(?<!\\)(?:\\\\)*\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2})(?<!\\)(?:\\\\)*\\ud[c-f][0-9a-f]{2}/i;

/**
 * Whether JSON text escapes half a surrogate pair ("\ud800"): valid JSON grammar but not text
 * (RFC 7493); canonical JSON (the audit chain) and PostgreSQL's json refuse it. Cheap test first.
 */
export const hasLoneSurrogateEscape = (text: string): boolean => /\\u[dD][89a-fA-F]/.test(text) && LONE_SURROGATE_ESCAPE.test(text);

export interface NdjsonRecord {
  line: number;
  value: unknown;
}

/** One parsed JSON value per non-blank line; a line that is not JSON makes the body malformed (400). */
export async function* ndjsonRecords(stream: Readable, maxBytes: number): AsyncGenerator<NdjsonRecord> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  const parseLine = (text: string): NdjsonRecord | null => {
    line++;
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim() === '') return null;
    if (hasLoneSurrogateEscape(trimmed)) throw malformed(line, 'a lone surrogate escape (\\uD800-\\uDFFF)', 'escape surrogate tunggal (\\uD800-\\uDFFF)');
    try {
      return { line, value: JSON.parse(trimmed) as unknown };
    } catch {
      throw malformed(line, 'not a JSON value', 'bukan nilai JSON');
    }
  };
  for await (const chunk of cappedChunks(stream, maxBytes)) {
    pending += decoder.write(chunk);
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      const record = parseLine(pending.slice(start, nl));
      start = nl + 1;
      if (record) yield record;
    }
    pending = pending.slice(start);
    if (pending.length > MAX_RECORD_BYTES) throw malformed(line + 1, `line longer than ${MAX_RECORD_BYTES} bytes`, `baris lebih dari ${MAX_RECORD_BYTES} byte`);
  }
  pending += decoder.end();
  const last = parseLine(pending);
  if (last) yield last;
}

export type CsvRecord =
  | { line: number; values: Record<string, string> }
  | { line: number; error: string };

export interface CsvColumns {
  required: readonly string[];
  optional?: readonly string[];
}

function csvParseError(err: CsvError): AppError {
  const line = typeof err.lines === 'number' ? err.lines : 0;
  return malformed(line, err.message, `CSV tidak dapat dibaca (${err.code})`);
}

/**
 * Reads a CSV whose first line is a header naming the columns (any order; every required column,
 * no unknown ones). Yields each later record by its starting line (line 1 is the header); a
 * record with the wrong number of fields is yielded as an error so it is listed with the others.
 * Header problems are a 422 on line 1; unparseable CSV (an unclosed quote) is a 400.
 */
export async function* csvRecords(stream: Readable, columns: CsvColumns, maxBytes: number): AsyncGenerator<CsvRecord> {
  const parser = parse({
    bom: true,
    info: true,
    trim: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
    record_delimiter: ['\r\n', '\n'],
  });
  const source = Readable.from(cappedChunks(stream, maxBytes));
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);

  let header: string[] | null = null;
  let previousEnd = 0;
  let previousEmpty = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      const { record, info } = item;
      const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
      previousEnd = info.lines;
      previousEmpty = info.empty_lines;
      if (header === null) {
        header = checkHeader(record, columns, line);
        continue;
      }
      if (record.length !== header.length) {
        yield { line, error: `expected ${header.length} fields (${header.join(',')}), found ${record.length}` };
        continue;
      }
      const values: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) values[header[i] as string] = record[i] as string;
      yield { line, values };
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    // Not every csv-parse code starts with CSV_ (INVALID_OPENING_QUOTE does not): match the class.
    if (err instanceof CsvError) throw csvParseError(err);
    throw err;
  } finally {
    source.destroy();
  }
  if (header === null) throw validationFailed([{ path: 'header', line: 1, message: `the CSV is empty; expected the header ${columns.required.join(',')}` }]);
}

function checkHeader(record: string[], columns: CsvColumns, line: number): string[] {
  const names = record.map((name) => name.trim());
  const known = new Set([...columns.required, ...(columns.optional ?? [])]);
  const problems: string[] = [];
  const missing = columns.required.filter((c) => !names.includes(c));
  if (missing.length) problems.push(`missing column(s): ${missing.join(', ')}`);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) problems.push(`unknown column(s): ${unknown.join(', ')}`);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length) problems.push(`repeated column(s): ${repeated.join(', ')}`);
  if (problems.length) {
    throw validationFailed([{ path: 'header', line, message: `${problems.join('; ')} (expected ${[...columns.required, ...(columns.optional ?? [])].join(',')})` }]);
  }
  return names;
}

/**
 * Collects the problems of a whole file, up to `cap`. One more problem than that marks the list
 * full: readers stop there, so a garbage upload of a million bad lines costs little and cannot
 * build a gigantic 422. The detail says when checking stopped early.
 */
export class RecordErrors {
  readonly cap: number;
  readonly list: FieldError[] = [];
  count = 0;

  constructor(cap: number) {
    this.cap = cap;
  }

  /** More problems than the cap were found: stop reading, the answer is a 422 anyway. */
  get full(): boolean {
    return this.count > this.cap;
  }

  add(error: FieldError): void {
    this.count++;
    if (this.list.length < this.cap) this.list.push(error);
  }

  /** zod issues of one record, placed under `prefix` (e.g. `workers.3`) and, for files, its line. */
  addIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], prefix: string, line?: number): void {
    for (const issue of issues) {
      const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.') || 'record';
      this.add({ path, message: issue.message, ...(line !== undefined ? { line } : {}) });
    }
  }

  toError(): AppError {
    return new AppError('VALIDATION_FAILED', {
      detail: this.full
        ? { id: `Lebih dari ${this.cap} masalah; ${this.cap} pertama dicantumkan dan pemeriksaan berhenti di situ; tidak ada yang diubah`, en: `More than ${this.cap} problems; the first ${this.cap} are listed and checking stopped there; nothing was changed` }
        : { id: `${this.count} masalah ditemukan; tidak ada yang diubah`, en: `${this.count} problem(s) found; nothing was changed` },
      errors: this.list,
    });
  }
}
