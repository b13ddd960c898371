import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { RecordErrors, type BodyFormat } from '../http/streaming.ts';
import { importRecords } from './input.ts';
import { createStaging, findHistory, findMemberships, mergeChunk, prepareMerge, stageBatch, stagePayload, type MergeCounts, type StagedRecord } from './repository.ts';
import { MAX_IMPORT_ERRORS, membershipRecordInput, type MembershipHistoryEntry } from './schemas.ts';

/**
 * Records per staging INSERT: large enough to amortise a round trip, small enough to stay cheap.
 * What a batch keeps alive multiplies into the server's peak RSS (see stagePayload): 1,000 records
 * serialised at once, instead of 5,000 kept as objects, lowered the peak of a 1,000,000-record
 * NDJSON import from 345-364 MiB to 268-285 MiB, at the same speed (npm run bench:scale).
 */
const STAGE_BATCH = 1_000;
/** NIKs per merge statement, so no single statement runs long on a million-row import. */
const MERGE_CHUNK = 50_000;
/** How far in the future an asOf may lie (clock skew); a later one would make data look fresh forever. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface ImportResult extends Omit<MergeCounts, 'staged'> {
  importId: string;
  received: number;
  superseded: number;
}

/** Keeps the newest record of each NIK within one batch (one INSERT may not touch a row twice). */
function newestPerNik(batch: StagedRecord[]): StagedRecord[] {
  const byNik = new Map<string, StagedRecord>();
  for (const r of batch) {
    const seen = byNik.get(r.nik);
    if (!seen || r.asOf >= seen.asOf) byNik.set(r.nik, r);
  }
  return byNik.size === batch.length ? batch : [...byNik.values()];
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
   * applied. One batch insert may run while the next batch is parsed and serialised.
   */
  async function stageAll(tx: Tx, format: BodyFormat, body: unknown): Promise<{ received: number; errors: RecordErrors }> {
    const errors = new RecordErrors(MAX_IMPORT_ERRORS);
    const latestAllowed = ctx.clock().getTime() + FUTURE_TOLERANCE_MS;
    let received = 0;
    let batch: StagedRecord[] = [];
    let inflight: Promise<void> = Promise.resolve();
    const flush = async () => {
      const payload = stagePayload(newestPerNik(batch));
      batch = [];
      await inflight;
      inflight = stageBatch(tx, payload);
      inflight.catch(() => {}); // awaited before the next batch; this only avoids an unhandled rejection meanwhile
    };
    try {
      for await (const raw of importRecords(format, body)) {
        received++;
        if (raw.readError) {
          errors.add({ path: raw.path || 'record', message: raw.readError, ...(raw.line !== undefined ? { line: raw.line } : {}) });
        } else {
          const parsed = membershipRecordInput.safeParse(raw.value);
          if (!parsed.success) errors.addIssues(parsed.error.issues, raw.path, raw.line);
          else if (Date.parse(parsed.data.asOf) > latestAllowed) errors.addIssues([{ path: ['asOf'], message: 'asOf lies in the future' }], raw.path, raw.line);
          else if (errors.count === 0) batch.push({ ...parsed.data, ord: received });
        }
        if (errors.full) break; // refused anyway; the rest is not worth reading
        if (batch.length >= stageBatchSize) await flush();
      }
    } catch (err) {
      // A malformed or oversized body: let the batch in flight finish before the rollback.
      await inflight.catch(() => {});
      throw err;
    }
    if (errors.count === 0 && batch.length > 0) await flush();
    await inflight;
    if (received === 0) errors.add({ path: 'records', message: 'the import holds no records' });
    return { received, errors };
  }

  async function mergeAll(tx: Tx): Promise<MergeCounts> {
    const total: MergeCounts = { staged: 0, inserted: 0, updated: 0, unchanged: 0, skippedOlder: 0 };
    const now = ctx.clock();
    for (let after = ''; ; ) {
      const chunk = await mergeChunk(tx, after, mergeChunkSize, now, 'import');
      total.staged += chunk.staged;
      total.inserted += chunk.inserted;
      total.updated += chunk.updated;
      total.unchanged += chunk.unchanged;
      total.skippedOlder += chunk.skippedOlder;
      if (chunk.staged < mergeChunkSize || chunk.lastNik === null) return total;
      after = chunk.lastNik;
    }
  }

  return {
    /**
     * One transaction per import: stage, merge, audit. Duplicate NIKs within one file: the record
     * with the latest asOf wins (on a tie, the later one); the others count as `superseded`.
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
      const byNik = new Map(current.map((m) => [m.nik, m]));
      const historyByNik = new Map<string, MembershipHistoryEntry[]>();
      for (const entry of history) {
        const list = historyByNik.get(entry.nik);
        if (list) list.push(entry);
        else historyByNik.set(entry.nik, [entry]);
      }
      const items = unique.flatMap((nik) => {
        const found = byNik.get(nik);
        return found ? [{ nik, current: found, history: historyByNik.get(nik) ?? [] }] : [];
      });
      ctx.accessLog.record(meta, items.length);
      return { items };
    },
  };
}
