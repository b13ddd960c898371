// Reading, checking and staging the records of a membership import, inside the transaction that
// applies them (service.ts). Also what bench/import-profile.ts measures, so both run the same code.
import type { Database, Tx } from '../db/client.ts';
import { copyBatch, CopyRows } from '../db/copy.ts';
import { checkedRecord } from '../http/import-records.ts';
import { RecordErrors, type BodyFormat } from '../http/streaming.ts';
import { fastMembershipRecord } from './fast-record.ts';
import { importRecords } from './input.ts';
import { STAGING_COPY_TARGET, stageRow } from './repository.ts';
import { MAX_IMPORT_ERRORS, membershipRecordInput } from './schemas.ts';

/**
 * Records per COPY statement: large enough that a statement's round trip costs nothing per record,
 * small enough that only two batches (about 2 MB each, in two 4 MB buffers: one being loaded while the next is read and
 * validated) are alive at a time, so memory stays flat.
 */
export const STAGE_BATCH = 5_000;

/** Plainly valid records skip zod (fast-record.ts); the schema names any problem. */
const parseRecord = (value: unknown) => {
  const fast = fastMembershipRecord(value);
  return fast === null ? membershipRecordInput.safeParse(value) : { success: true as const, data: fast };
};

export interface StageOptions {
  /** The latest asOf accepted (now plus the clock skew tolerated), in epoch milliseconds. */
  latestAllowed: number;
  batchSize?: number;
}

/**
 * Reads, validates and stages the records as they arrive (into createStaging's table): a file with
 * any bad record is reported whole (every bad line, capped) and the caller applies nothing. Valid
 * records go in by COPY, one statement per batch; after the first bad record nothing more is sent
 * (the answer is a 422 anyway).
 */
export async function stageRecords(
  database: Database, tx: Tx, format: BodyFormat, body: unknown, options: StageOptions,
): Promise<{ received: number; errors: RecordErrors }> {
  const errors = new RecordErrors(MAX_IMPORT_ERRORS);
  const batchSize = options.batchSize ?? STAGE_BATCH;
  const rows = new CopyRows(4 * 1024 * 1024);
  let received = 0;
  // One batch loads while the next is read and validated.
  let inflight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const batch = rows.take();
    await inflight;
    inflight = copyBatch(database, tx, STAGING_COPY_TARGET, batch);
    inflight.catch(() => {}); // awaited before the next batch; this only avoids an unhandled rejection meanwhile
  };
  try {
    for await (const raw of importRecords(format, body)) {
      received++;
      const record = checkedRecord(raw, parseRecord, errors, options.latestAllowed);
      if (record !== null && errors.count === 0) stageRow(rows, record, received);
      if (errors.full) break; // refused anyway; the rest is not worth reading
      // After the first bad record nothing more is sent: the answer is a 422 and the transaction rolls back.
      if (rows.count >= batchSize && errors.count === 0) await flush();
    }
  } catch (err) {
    // A malformed or oversized body: let the batch in flight finish before the rollback.
    await inflight.catch(() => {});
    throw err;
  }
  if (errors.count === 0 && rows.count > 0) await flush();
  await inflight;
  if (received === 0) errors.add({ path: 'records', message: 'the import holds no records' });
  return { received, errors };
}
