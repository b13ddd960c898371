import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { FUTURE_TOLERANCE_MS } from '../http/import-records.ts';
import type { BodyFormat } from '../http/streaming.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { createStaging, findHistory, findMemberships, mergeChunk, prepareMerge, type MergeCounts } from './repository.ts';
import type { MembershipHistoryEntry } from './schemas.ts';
import { stageRecords } from './staging.ts';

/**
 * Coverages per merge statement, so no single statement runs long on a million-row import: every
 * statement must end within the pool's statement_timeout (15 s), also on a loaded machine (100,000
 * took up to 9 s at a load average of 11 on the 2-core test machine; 50,000 half that).
 */
const MERGE_CHUNK = 50_000;

export interface ImportResult extends Omit<MergeCounts, 'staged'> {
  importId: string;
  received: number;
  superseded: number;
}

/** Batch and chunk sizes; tests shrink them to exercise the batching with small files. */
export interface ImportTuning {
  stageBatch?: number;
  mergeChunk?: number;
  /** Merge every chunk the safe way only (what a chunk falls back to after a concurrent change). */
  safeMerge?: boolean;
}

export function createMembershipService(ctx: AppContext, tuning: ImportTuning = {}) {
  const { db } = ctx.database;
  const mergeChunkSize = tuning.mergeChunk ?? MERGE_CHUNK;

  async function mergeChunks(tx: Tx, mode: 'fast' | 'safe'): Promise<MergeCounts> {
    const total: MergeCounts = { staged: 0, inserted: 0, updated: 0, unchanged: 0, skippedOlder: 0 };
    const now = ctx.clock();
    for (let after: readonly [string, string] = ['', '']; ;) {
      const chunk = await mergeChunk(tx, after, mergeChunkSize, now, 'import', mode);
      // Another writer changed some of these rows meanwhile: merge the chunk again the safe way. What
      // the first pass wrote is now unchanged, so only what it missed is written (its counts stand).
      if (chunk.missed > 0 && mode === 'fast') await mergeChunk(tx, after, mergeChunkSize, now, 'import', 'safe');
      total.staged += chunk.staged;
      total.inserted += chunk.inserted;
      total.updated += chunk.updated;
      total.unchanged += chunk.unchanged;
      total.skippedOlder += chunk.skippedOlder;
      if (chunk.staged < mergeChunkSize || chunk.last === null) return total;
      after = chunk.last;
    }
  }

  /**
   * The fast merge inserts new coverages with a plain INSERT (an INSERT ... ON CONFLICT of 1,000,000
   * new rows took twice as long), inside one savepoint: should another writer store one of those
   * coverages meanwhile, the INSERT fails, everything merged so far is undone and the merge runs
   * again the safe way. One savepoint, not one per chunk: a transaction with more than 64
   * subtransactions slows every other session's snapshots while it runs.
   */
  async function mergeAll(tx: Tx): Promise<MergeCounts> {
    if (!tuning.safeMerge) {
      try {
        return await tx.transaction((savepoint) => mergeChunks(savepoint, 'fast'));
      } catch (err) {
        if (!isUniqueViolation(err, 'memberships_pkey')) throw err;
      }
    }
    return mergeChunks(tx, 'safe');
  }

  return {
    /**
     * One transaction per import: stage, merge, audit. A coverage of a NIK repeated within one file:
     * the record with the latest asOf wins (on a tie, the later one); the others count as `superseded`.
     */
    import: (meta: RequestMeta, format: BodyFormat, body: unknown): Promise<ImportResult> =>
      db.transaction(async (tx) => {
        await createStaging(tx);
        const { received, errors } = await stageRecords(ctx.database, tx, format, body, {
          latestAllowed: ctx.clock().getTime() + FUTURE_TOLERANCE_MS, ...(tuning.stageBatch ? { batchSize: tuning.stageBatch } : {}),
        });
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
