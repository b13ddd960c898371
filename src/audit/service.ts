import { Readable } from 'node:stream';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { flushWal, type Executor } from '../db/client.ts';
import { notFound, validationFailed } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { decodeCursor, encodeCursor } from '../http/pagination.ts';
import { appendAudit } from './append.ts';
import { GENESIS_HASH, type AuditEvent } from './chain.ts';
import { toEvent } from './export-format.ts';
import { CSV_HEADER, eventsPage, exportLines, hashAt, isoInstant, readHead, readHeadState, verifyRows, type EventFilters, type HeadState, type VerifyRow } from './repository.ts';
import type { EventsQuery } from './schemas.ts';
import { signJson } from './signing.ts';
import { createTlog } from './tlog.ts';
import { createChainVerifier, storedEventHasher, type ChainVerifier, type StoredEvent } from './verifier.ts';

/** Rows per query of a streamed export; bounds memory to a few MB whatever the range. */
export const EXPORT_CHUNK = 2_000;
/** Rows per query while verifying. */
export const VERIFY_CHUNK = 5_000;

const YIELD_EVERY = 1_000;
const OUTPUT_PIECE = 64 * 1024;

/**
 * Keyset pages of (afterSeq, untilSeq], each query started before the previous page is consumed,
 * so the database reads the next chunk while this process formats or hashes the current one.
 * Memory: at most two chunks. The log is append-only and every seq <= the head is committed, so
 * chunks read at different moments still form one consistent range without a long transaction.
 */
export async function* keysetChunks<Row extends { seq: string | number }>(
  fetch: (afterSeq: number) => Promise<Row[]>, afterSeq: number, untilSeq: number, chunk: number,
): AsyncGenerator<Row[]> {
  if (afterSeq >= untilSeq) return;
  let pending: Promise<Row[]> | null = fetch(afterSeq);
  while (pending) {
    const batch: Row[] = await pending;
    const last = batch[batch.length - 1];
    const lastSeq = last ? Number(last.seq) : untilSeq;
    pending = batch.length === chunk && lastSeq < untilSeq ? fetch(lastSeq) : null;
    // An unconsumed prefetch must not reject unobserved if the consumer stops early.
    pending?.catch(() => {});
    if (batch.length > 0) yield batch;
  }
}

const storedEvent = (r: VerifyRow): StoredEvent => ({
  seq: Number(r.seq), at: isoInstant(r.at), actorText: r.actor, action: r.action, entityType: r.entity_type, entityId: r.entity_id,
  data: r.data, requestId: r.request_id, prevHash: r.prev_hash, hash: r.hash,
});

export type StreamFormat = 'ndjson' | 'csv';

// [last seq returned, the pinned head]: every page of one export stops where the first page saw the head.
const cursorSchema = z.tuple([z.number().int().min(0), z.number().int().min(0)]);

/** The filters as given, without absent ones, for the audit.exported event. */
function describedFilters(q: EventsQuery): Record<string, string | number> {
  const given = { afterSeq: q.afterSeq, from: q.from, to: q.to, action: q.action, entityId: q.entityId };
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Record<string, string | number>;
}

function checkHead(v: Pick<ChainVerifier, 'fail'>, head: HeadState): void {
  if (head.maxSeq !== null && head.maxSeq > head.seq) {
    v.fail(head.seq + 1, 'UNEXPECTED_EVENT', `events after the head: audit_head is at ${head.seq}, the table holds up to ${head.maxSeq}`);
  } else if ((head.maxSeq ?? 0) < head.seq) {
    v.fail((head.maxSeq ?? 0) + 1, 'MISSING_EVENT', `audit_head is at ${head.seq} but the last event is ${head.maxSeq ?? 'none'}`);
  } else if (head.seq > 0 && head.eventHash !== head.hash) {
    v.fail(head.seq, 'HEAD_MISMATCH', `audit_head names a hash that seq ${head.seq} does not have`);
  }
}

export function createAuditService(ctx: AppContext) {
  const { db } = ctx.database;
  const tlog = createTlog(ctx);
  /** The highest head this process has read after a WAL flush: everything up to it is on disk. */
  let flushedSeq = 0;
  const filtersOf = (q: EventsQuery): EventFilters => ({ from: q.from, to: q.to, timeZone: ctx.config.LOCAL_TIMEZONE, action: q.action, entityId: q.entityId });

  // Its own transaction: reading the log is recorded even though nothing else changes.
  const recordExport = (meta: RequestMeta, data: Record<string, unknown>) =>
    db.transaction((tx) =>
      appendAudit(tx, { actor: meta.actor, action: 'audit.exported', entityType: 'audit_log', entityId: 'audit_events', data, requestId: meta.requestId }, ctx.clock),
    );

  async function* streamChunks(db: Executor, afterSeq: number, untilSeq: number, filters: EventFilters, format: StreamFormat): AsyncGenerator<string> {
    const newline = format === 'csv' ? '\r\n' : '\n';
    if (format === 'csv') yield CSV_HEADER + newline;
    for await (const batch of keysetChunks((after) => exportLines(db, format, after, untilSeq, filters, EXPORT_CHUNK), afterSeq, untilSeq, EXPORT_CHUNK)) {
      // Pieces of about 64 KiB: small buffers are reused from the allocator's free lists, where
      // megabyte ones raise glibc's mmap threshold and leave the process's RSS fragmented and high.
      let out = '';
      for (const row of batch) {
        out += row.line + newline;
        if (out.length >= OUTPUT_PIECE) {
          yield out;
          out = '';
        }
      }
      if (out) yield out;
    }
  }

  return {
    /**
     * One JSON page. The first page pins the head; its cursor carries the pin, so the pages of one
     * export end there even though each page appends an audit.exported event (one per page).
     */
    async page(meta: RequestMeta, q: EventsQuery): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
      const cursor = decodeCursor(q.cursor, cursorSchema);
      // Exports may read a standby (DATABASE_READ_URL): reader() only gives one that has everything
      // the primary had committed, so the pinned head of a cursor is always there.
      const reads = await ctx.database.reader();
      const [afterSeq, untilSeq] = cursor ?? [q.afterSeq ?? 0, (await readHead(reads)).seq];
      const found = await eventsPage(reads, afterSeq, untilSeq, filtersOf(q), q.limit + 1);
      const items = found.slice(0, q.limit).map(toEvent);
      const last = items.at(-1);
      const nextCursor = found.length > q.limit && last ? encodeCursor([last.seq, untilSeq]) : null;
      await recordExport(meta, {
        format: 'json',
        filters: describedFilters(q),
        range: { afterSeq, untilSeq },
        count: items.length,
        ...(last ? { firstSeq: (items[0] as AuditEvent).seq, lastSeq: last.seq } : {}),
      });
      return { items, nextCursor };
    },

    /**
     * The whole filtered range up to the current head, as a stream read in chunks with backpressure.
     * The export is recorded before the first byte (with the range it covers), so even a download
     * that is cut short is on record.
     */
    async stream(meta: RequestMeta, q: EventsQuery, format: StreamFormat): Promise<{ body: Readable; afterSeq: number; untilSeq: number }> {
      const afterSeq = q.afterSeq ?? 0;
      const reads = await ctx.database.reader();
      const untilSeq = (await readHead(reads)).seq;
      await recordExport(meta, { format, filters: describedFilters(q), range: { afterSeq, untilSeq } });
      const body = Readable.from(streamChunks(reads, afterSeq, untilSeq, filtersOf(q), format), { objectMode: false, highWaterMark: 64 * 1024 });
      return { body, afterSeq, untilSeq };
    },

    /** Recomputes every hash and link in [fromSeq, min(toSeq, head)] and compares the head row with the last event. */
    async verify(range: { fromSeq: number; toSeq?: number | undefined }) {
      const db = await ctx.database.reader();
      const head = await readHeadState(db);
      const toSeq = Math.min(range.toSeq ?? head.seq, head.seq);
      const prevHash = range.fromSeq === 1 ? GENESIS_HASH : await hashAt(db, range.fromSeq - 1);
      const v = createChainVerifier<StoredEvent>({ seq: range.fromSeq, prevHash }, storedEventHasher());
      const pages = keysetChunks((after) => verifyRows(db, after, toSeq, VERIFY_CHUNK), range.fromSeq - 1, toSeq, VERIFY_CHUNK);
      for await (const batch of pages) {
        for (let i = 0; i < batch.length && v.ok; i++) {
          v.push(storedEvent(batch[i] as VerifyRow));
          // Let the socket deliver the prefetched next chunk while this one is hashed.
          if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (!v.ok) break;
      }
      const next = v.nextSeq ?? range.fromSeq;
      if (v.ok && next <= toSeq) v.fail(next, 'MISSING_EVENT', `seq ${next}..${toSeq} are missing`);
      if (v.ok) checkHead(v, head);
      const verdict = v.verdict();
      return {
        ok: verdict.ok,
        checked: verdict.checked,
        fromSeq: range.fromSeq,
        toSeq,
        toHash: verdict.ok && verdict.lastSeq === toSeq ? verdict.lastHash : null,
        headSeq: head.seq,
        headHash: head.hash,
        ...(verdict.ok ? {} : { firstInvalidSeq: verdict.firstInvalidSeq, reason: verdict.reason, detail: verdict.detail }),
      };
    },

    tlog,

    /**
     * The head (or a past tree size, or the latest cosigned one), signed twice: the JWS over the
     * chain's { seq, hash } and the C2SP note over the Merkle root. Keep either, and later prove
     * the log still contains it unchanged.
     */
    async checkpoint(q: { treeSize?: number | undefined; cosigned?: 'true' | 'false' | undefined } = {}) {
      // Decisions commit without waiting for the disk (see flushWal): never sign a head that a
      // crash could still take back.
      // A past size at or below a head already flushed is durable already: no flush, no head read.
      const durable = q.cosigned !== 'true' && q.treeSize !== undefined && q.treeSize <= flushedSeq;
      if (!durable) await flushWal(db);
      const head = durable ? { seq: flushedSeq, hash: null } : await readHead(db);
      if (!durable) flushedSeq = Math.max(flushedSeq, head.seq);
      const cosigned = q.cosigned === 'true' ? await tlog.cosigned() : undefined;
      const seq = cosigned?.treeSize ?? q.treeSize ?? head.seq;
      if (seq > head.seq) throw validationFailed([{ path: 'treeSize', message: `tree size ${seq} is beyond the head of the log (${head.seq})` }]);
      // The event's hash and the note (cached per size once signed) in parallel.
      const [hash, signed] = await Promise.all([
        seq === head.seq && head.hash !== null ? head.hash : seq === 0 ? GENESIS_HASH : hashAt(db, seq),
        cosigned ?? tlog.note(seq),
      ]);
      if (hash === null) throw notFound({ id: `Peristiwa ${seq} tidak ada di log`, en: `Event ${seq} is missing from the log` });
      const payload = { seq, hash, at: ctx.clock().toISOString() };
      return {
        ...payload,
        jws: await signJson(ctx.keys.auditSigningKey, 'gerbang-checkpoint+jws', payload),
        treeSize: signed.treeSize,
        rootHash: signed.rootHash,
        note: signed.note,
        verifierKey: tlog.verifierKey,
        ...(cosigned ? { cosignatures: cosigned.cosignatures } : {}),
      };
    },

    // The ES256 keys (JWS checkpoints, receipts), then the Ed25519 key of the checkpoint notes.
    jwks: () => ({
      keys: [...ctx.keys.auditPublicKeys, ctx.keys.logSigningKey.publicJwk].flatMap((k) => (k.kty ? [{ ...k, kty: k.kty }] : [])),
    }),
  };
}
