import type { Logger } from 'pino';
import { rows, type Db } from '../db/client.ts';
import { AUDIT_HEAD_FOR_UPDATE, type AuditHead } from './append.ts';
import { eventLeafHash } from './chain.ts';
import { toEvent } from './export-format.ts';
import { eventsPage } from './repository.ts';
import { appendWithBuilder, treeBuilderAtEnd } from './tree-repository.ts';

const CHUNK = 5_000;

/**
 * Start-up step: gives every event the tree does not have yet its leaf, in seq order (a log
 * written before the tree existed, or restored without it). It holds the audit head's lock for the
 * whole catch-up, so no event is appended meanwhile; on an up-to-date tree it costs two queries.
 * Leaves are hashed from the rows as they are now: run GET /v1/audit/verify first if in doubt.
 */
export async function catchUpAuditTree(db: Db, logger?: Logger): Promise<{ appended: number; seconds: number; size: number }> {
  const started = performance.now();
  const result = await db.transaction(async (tx) => {
    const [head] = await rows<AuditHead>(tx, AUDIT_HEAD_FOR_UPDATE);
    const headSeq = Number(head?.seq ?? 0);
    const builder = await treeBuilderAtEnd(tx);
    const from = builder.size;
    while (builder.size < headSeq) {
      const page = await eventsPage(tx, builder.size, headSeq, {}, CHUNK);
      const contiguous = page.filter((r, i) => Number(r.seq) === builder.size + 1 + i);
      if (contiguous.length > 0) await appendWithBuilder(tx, builder, contiguous.map((r) => eventLeafHash(toEvent(r))));
      if (contiguous.length < page.length || page.length === 0) {
        logger?.error({ treeSize: builder.size, headSeq }, 'audit tree: events are missing from the log; the tree stops before the gap');
        break;
      }
      if (logger && builder.size % 100_000 < CHUNK) logger.info({ treeSize: builder.size, headSeq }, 'audit tree: backfilling');
    }
    return { appended: builder.size - from, size: builder.size };
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.appended > 0) logger?.info({ ...result, seconds }, 'audit tree: backfilled the events written before it existed');
  return { ...result, seconds };
}
