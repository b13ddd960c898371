import type { Readable } from 'node:stream';
import { STREAM_BODY_LIMIT } from '../http/body-limits.ts';
import { validationFailed } from '../http/problem.ts';
import { csvRecords, RecordErrors } from '../http/streaming.ts';
import { CSV_COLUMNS, MAX_ROSTER_ERRORS, MAX_WORKERS, workerInput, type WorkerRow } from './schemas.ts';

/**
 * Validates a whole roster before anything changes: every bad row is reported (JSON by `path`
 * such as `workers.3.nik`, CSV by `line`, where line 1 is the header), including a NIK repeated in
 * the file and more than 10,000 workers. Rows beyond the 10,000th are only counted: the file is
 * refused for its size whatever they hold. Reading stops once the error list is full.
 */
class RosterCollector {
  readonly errors = new RecordErrors(MAX_ROSTER_ERRORS);
  readonly rows: WorkerRow[] = [];
  private readonly firstSeen = new Map<string, string>();
  private count = 0;

  accept(value: unknown, where: { prefix: string; line?: number }): void {
    this.count++;
    if (this.count > MAX_WORKERS) return;
    const parsed = workerInput.safeParse(value);
    if (!parsed.success) {
      this.errors.addIssues(parsed.error.issues, where.prefix, where.line);
      return;
    }
    const w = parsed.data;
    const here = where.line !== undefined ? `line ${where.line}` : where.prefix;
    const first = this.firstSeen.get(w.nik);
    if (first !== undefined) {
      this.errors.addIssues([{ path: ['nik'], message: `this NIK is already on the roster at ${first}` }], where.prefix, where.line);
      return;
    }
    this.firstSeen.set(w.nik, here);
    if (this.rows.length < MAX_WORKERS) {
      this.rows.push({ nik: w.nik, name: w.name, kpj: w.kpj ?? null, role: w.role, startDate: w.startDate, endDate: w.endDate ?? null });
    }
  }

  /** A row that could not even be read as a worker (wrong number of CSV fields). */
  reject(line: number, message: string): void {
    this.count++;
    this.errors.add({ path: 'row', line, message });
  }

  finish(tooManyPath: string): WorkerRow[] {
    if (this.count > MAX_WORKERS && !this.errors.full) {
      this.errors.add({ path: tooManyPath, message: `${this.count} workers: a roster holds at most ${MAX_WORKERS}` });
    }
    if (this.errors.count > 0) throw this.errors.toError();
    return this.rows;
  }
}

export function rosterFromJson(body: unknown): WorkerRow[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationFailed([{ path: 'body', message: 'expected an object { workers: [...] }' }]);
  }
  const unknownKeys = Object.keys(body).filter((k) => k !== 'workers');
  const workers = (body as { workers?: unknown }).workers;
  if (unknownKeys.length || !Array.isArray(workers)) {
    throw validationFailed([
      ...unknownKeys.map((k) => ({ path: k, message: 'unknown field' })),
      ...(Array.isArray(workers) ? [] : [{ path: 'workers', message: 'expected an array of workers' }]),
    ]);
  }
  const collector = new RosterCollector();
  for (let i = 0; i < workers.length && !collector.errors.full; i++) collector.accept(workers[i], { prefix: `workers.${i}` });
  return collector.finish('workers');
}

/** CSV: empty kpj and endDate are absent; every other field is required. */
export async function rosterFromCsv(stream: Readable): Promise<WorkerRow[]> {
  const collector = new RosterCollector();
  for await (const row of csvRecords(stream, CSV_COLUMNS, STREAM_BODY_LIMIT)) {
    if ('error' in row) {
      collector.reject(row.line, row.error);
    } else {
      const { kpj, endDate, ...rest } = row.values;
      collector.accept({ ...rest, ...(kpj ? { kpj } : {}), ...(endDate ? { endDate } : {}) }, { prefix: '', line: row.line });
    }
    if (collector.errors.full) break;
  }
  return collector.finish('body');
}
