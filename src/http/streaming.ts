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

/** A CSV reader's columns and, once read, the header. */
interface CsvState {
  columns: CsvColumns;
  header: string[] | null;
}

/** A parsed row as the reader yields it: the header is checked, later rows matched to it. */
function csvRow(state: CsvState, record: string[], line: number): CsvRecord | null {
  if (state.header === null) {
    state.header = checkHeader(record, state.columns, line);
    return null;
  }
  const { header } = state;
  if (record.length !== header.length) return { line, error: `expected ${header.length} fields (${header.join(',')}), found ${record.length}` };
  const values: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) values[header[i] as string] = record[i] as string;
  return { line, values };
}

/** csv-parse over `source`. */
async function* parsedCsv(source: AsyncIterable<Buffer>, state: CsvState, bom: boolean): AsyncGenerator<CsvRecord> {
  const parser = parse({
    bom,
    info: true,
    trim: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
    record_delimiter: ['\r\n', '\n'],
  });
  const input = Readable.from(source);
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let previousEnd = 0;
  let previousEmpty = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      const { record, info } = item;
      const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
      previousEnd = info.lines;
      previousEmpty = info.empty_lines;
      const row = csvRow(state, record, line);
      if (row) yield row;
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    // Not every csv-parse code starts with CSV_ (INVALID_OPENING_QUOTE does not): match the class.
    if (err instanceof CsvError) throw csvParseError(err);
    throw err;
  } finally {
    input.destroy();
  }
}

// What csv-parse's `trim` removes before a field's first other character (after it: String#trimEnd).
const isLeadingTrimmable = (code: number): boolean => code === 32 || code === 9 || code === 13 || code === 12;
const onlyLeadingTrimmable = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) if (!isLeadingTrimmable(text.charCodeAt(i))) return false;
  return true;
};
function trimField(field: string): string {
  let start = 0;
  while (start < field.length && isLeadingTrimmable(field.charCodeAt(start))) start++;
  return (start === 0 ? field : field.slice(start)).trimEnd();
}
/** Lines the fast path leaves to csv-parse: a quote (quoted fields, escapes, their errors), a lone carriage return, a huge line. */
const FAST_LINE_LIMIT = 64 * 1024;
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);
const LEAVE = Symbol('left to csv-parse');

/**
 * Reads a CSV whose first line is a header naming the columns (any order; every required column,
 * no unknown ones). Yields each later record by its starting line (line 1 is the header); a
 * record with the wrong number of fields is yielded as an error so it is listed with the others.
 * Header problems are a 422 on line 1; unparseable CSV (an unclosed quote) is a 400.
 *
 * Lines without a quote are split here, as csv-parse (trim, empty lines skipped) would split them:
 * csv-parse took about 9 µs a record, most of a million-record import's reading. From the first
 * line with a quote on (or an unusual start: a UTF-16 byte order mark), csv-parse reads the rest,
 * so quoting and its errors stay csv-parse's. test/http/csv-records.test.ts checks the equivalence.
 */
export async function* csvRecords(stream: Readable, columns: CsvColumns, maxBytes: number): AsyncGenerator<CsvRecord> {
  const state: CsvState = { columns, header: null };
  const chunks = cappedChunks(stream, maxBytes);
  try {
    // The first bytes decide about a byte order mark.
    const head: Buffer[] = [];
    let headLength = 0;
    let ended = false;
    while (headLength < 3) {
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(next.value);
      headLength += next.value.length;
    }
    const start = Buffer.concat(head);
    if (start.subarray(0, 2).equals(UTF16LE_BOM)) {
      yield* parsedCsv((async function* () {
        yield start;
        yield* chunks;
      })(), state, true);
    } else {
      const decoder = new StringDecoder('utf8');
      let pending = decoder.write(start);
      if (ended) pending += decoder.end();
      if (pending.charCodeAt(0) === 0xfeff) pending = pending.slice(1);
      let lines = 0;
      /** One line (without its \n): a row, null for none (an empty line, the header), or LEAVE it to csv-parse. */
      const take = (text: string, terminated: boolean): CsvRecord | null | typeof LEAVE => {
        const content = terminated && text.endsWith('\r') ? text.slice(0, -1) : text;
        // A carriage return inside a line counts as a line break in csv-parse's line numbers.
        if (content.length > FAST_LINE_LIMIT || content.includes('"') || content.includes('\r')) return LEAVE;
        lines++;
        const fields = content.split(',');
        if (fields.length === 1 && onlyLeadingTrimmable(content)) return null;
        return csvRow(state, fields.map(trimField), lines);
      };
      let from = 0;
      let leave = false;
      scan: for (;;) {
        for (let nl = pending.indexOf('\n', from); nl !== -1; nl = pending.indexOf('\n', from)) {
          const row = take(pending.slice(from, nl), true);
          if (row === LEAVE) {
            leave = true;
            break scan;
          }
          from = nl + 1;
          if (row) yield row;
        }
        pending = pending.slice(from);
        from = 0;
        if (ended) {
          // The last line, without a line break.
          const row = pending === '' ? null : take(pending, false);
          if (row === LEAVE) leave = true;
          else if (row) yield row;
          break;
        }
        if (pending.length > FAST_LINE_LIMIT) {
          leave = true;
          break;
        }
        const next = await chunks.next();
        if (next.done) {
          ended = true;
          pending += decoder.end();
        } else {
          pending += decoder.write(next.value);
        }
      }
      if (leave) {
        // The lines read so far go to csv-parse as empty lines: it skips them, and its line numbers
        // (in errors and their messages) count from the top of the file.
        const rest = '\n'.repeat(lines) + pending.slice(from);
        yield* parsedCsv((async function* () {
          yield Buffer.from(rest);
          if (ended) return;
          for await (const chunk of chunks) yield Buffer.from(decoder.write(chunk));
          const last = decoder.end();
          if (last) yield Buffer.from(last);
        })(), state, false);
      }
    }
  } finally {
    // Stopping early (too many problems) releases the body, so Node can drain it (closeUnreadBody).
    // Not awaited: while csv-parse reads ahead, the release waits for the next chunk to arrive.
    chunks.return(undefined).catch(() => {});
  }
  if (state.header === null) throw validationFailed([{ path: 'header', line: 1, message: `the CSV is empty; expected the header ${columns.required.join(',')}` }]);
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
