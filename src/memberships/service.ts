import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { RecordErrors, type BodyFormat } from '../http/streaming.ts';
import { importRecords } from './input.ts';
import { openCopy } from '../db/copy.ts';
import {
  createStaging, findHistory, findMemberships, mergeChunk, prepareMerge, STAGING_COPY_TARGET, stagingLine, type MergeCounts,
} from './repository.ts';
import { MAX_IMPORT_ERRORS, membershipRecordInput, type MembershipHistoryEntry } from './schemas.ts';

/**
 * Records per COPY write: one write per batch of lines keeps the per-record cost of the stream
 * low, while only one batch of text (about 200 kB) is alive at a time, so memory stays flat.
 */
const STAGE_BATCH = 1_000;
/** Coverages per merge statement, so no single statement runs long on a million-row import. */
const MERGE_CHUNK = 100_000;
/** How far in the future an asOf may lie (clock skew); a later one would make data look fresh forever. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface ImportResult extends Omit<MergeCounts, 'staged'> {
  importId: string;
  received: number;
  superseded: number;
}

/** Batch and chunk sizes; tests shrink them to exercise the batching with small files. */
export interface ImportTuning {
  stageBatch?: number;
  mergeChunk?: number;
}

export function createMembershipService(ctx: AppContext, tuning: ImportTuning = {}) {
  const { db } = ctx.database;
  const stageBatchSize = tuning.stageBatch ?? STAGE_BATCH;
  const mergeChunkSize = tuning.mergeChunk ?? MERGE_CHUNK;

  /**
   * Reads, validates and stages the records as they arrive, inside the transaction that applies
   * them: a file with any bad record is reported whole (every bad line, capped) and nothing is
   * applied. Valid records stream into the staging table with COPY in batches of lines; after the
   * first bad record nothing more is sent (the answer is a 422 anyway) and the COPY is abandoned.
   */
  async function stageAll(tx: Tx, format: BodyFormat, body: unknown): Promise<{ received: number; errors: RecordErrors }> {
    const errors = new RecordErrors(MAX_IMPORT_ERRORS);
    const latestAllowed = ctx.clock().getTime() + FUTURE_TOLERANCE_MS;
    const copy = await openCopy(ctx.database, tx, STAGING_COPY_TARGET);
    let received = 0;
    let lines = '';
    let inBatch = 0;
    try {
      for await (const raw of importRecords(format, body)) {
        received++;
        if (raw.readError) {
          errors.add({ path: raw.path || 'record', message: raw.readError, ...(raw.line !== undefined ? { line: raw.line } : {}) });
        } else {
          const parsed = membershipRecordInput.safeParse(raw.value);
          if (!parsed.success) errors.addIssues(parsed.error.issues, raw.path, raw.line);
          else if (Date.parse(parsed.data.asOf) > latestAllowed) errors.addIssues([{ path: ['asOf'], message: 'asOf lies in the future' }], raw.path, raw.line);
          else if (errors.count === 0) {
            lines += stagingLine(parsed.data, received);
            inBatch++;
          }
        }
        if (errors.full) break; // refused anyway; the rest is not worth reading
        if (inBatch >= stageBatchSize) {
          await copy.write(lines);
          lines = '';
          inBatch = 0;
        }
      }
      if (errors.count === 0) {
        if (inBatch > 0) await copy.write(lines);
        await copy.end();
      } else {
        await copy.abort();
      }
    } catch (err) {
      // A malformed or oversized body: end the COPY before the rollback.
      await copy.abort();
      throw err;
    }
    if (received === 0) errors.add({ path: 'records', message: 'the import holds no records' });
    return { received, errors };
  }

  async function mergeAll(tx: Tx): Promise<MergeCounts> {
    const total: MergeCounts = { staged: 0, inserted: 0, updated: 0, unchanged: 0, skippedOlder: 0 };
    const now = ctx.clock();
    for (let after: readonly [string, string] = ['', '']; ;) {
      const chunk = await mergeChunk(tx, after, mergeChunkSize, now, 'import');
      total.staged += chunk.staged;
      total.inserted += chunk.inserted;
      total.updated += chunk.updated;
      total.unchanged += chunk.unchanged;
      total.skippedOlder += chunk.skippedOlder;
      if (chunk.staged < mergeChunkSize || chunk.last === null) return total;
      after = chunk.last;
    }
  }

  return {
    /**
     * One transaction per import: stage, merge, audit. A coverage of a NIK repeated within one file:
     * the record with the latest asOf wins (on a tie, the later one); the others count as `superseded`.
     */
    import: (meta: RequestMeta, format: BodyFormat, body: unknown): Promise<ImportResult> =>
      db.transaction(async (tx) => {
        await createStaging(tx);
        const { received, errors } = await stageAll(tx, format, body);
        if (errors.count > 0) throw errors.toError();
        await prepareMerge(tx);
        const { staged, ...counts } = await mergeAll(tx);
        const result: ImportResult = { importId: randomUUID(), received, ...counts, superseded: received - staged };
        // Counts only: an import names no worker, so no NIK (not even a pseudonym) goes into the log.
        await appendAudit(tx, {
          actor: meta.actor, action: 'membership.imported', entityType: 'membership_import', entityId: result.importId,
          data: { format, received, inserted: counts.inserted, updated: counts.updated, unchanged: counts.unchanged, skippedOlder: counts.skippedOlder, superseded: result.superseded },
          requestId: meta.requestId,
        }, ctx.clock);
        return result;
      }),

    /** Stored data only (never the upstream), in the order asked; NIKs with no stored record are left out. */
    async search(meta: RequestMeta, niks: readonly string[]) {
      const unique = [...new Set(niks)];
      const [current, history] = await Promise.all([findMemberships(db, unique), findHistory(db, unique)]);
      const group = <T extends { nik: string }>(list: T[]) => {
        const byNik = new Map<string, T[]>();
        for (const entry of list) {
          const seen = byNik.get(entry.nik);
          if (seen) seen.push(entry);
          else byNik.set(entry.nik, [entry]);
        }
        return byNik;
      };
      const coveragesByNik = group(current);
      const historyByNik = group<MembershipHistoryEntry>(history);
      const items = unique.flatMap((nik) => {
        // Most recently changed first (see findMemberships): `current` is that one.
        const coverages = coveragesByNik.get(nik);
        const first = coverages?.[0];
        return coverages && first ? [{ nik, current: first, coverages, history: historyByNik.get(nik) ?? [] }] : [];
      });
      ctx.accessLog.record(meta, items.length);
      return { items };
    },
  };
}
