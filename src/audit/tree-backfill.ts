import type { Logger } from 'pino';
import { rows, type Db } from '../db/client.ts';
import { AUDIT_HEAD_FOR_UPDATE, type AuditHead } from './append.ts';
import { eventLeafHash } from './chain.ts';
import { toEvent } from './export-format.ts';
import { eventsPage } from './repository.ts';
import { appendWithBuilder, treeBuilderAtEnd } from './tree-repository.ts';

/** Events per transaction: the head lock is held for one batch (tens of ms), then appends go on. */
const BATCH = 2_000;

export interface CatchUpResult {
  appended: number;
  seconds: number;
  size: number;
  /** The tree reached the head; false when events are missing from the log (it stops before the gap). */
  complete: boolean;
}

/**
 * Gives every event the tree does not have yet its leaf, in seq order (a log written before the
 * tree existed, or restored without it). The server runs it in the background after listen
 * (server.ts): decisions go on meanwhile, and the proof, checkpoint and receipt routes answer 503
 * with Retry-After for sizes the tree does not reach yet.
 * Why appends cannot corrupt the tree meanwhile: each batch runs in its own transaction holding the
 * audit head's lock, the same lock every append takes, and appends store their leaf only when the
 * tree already reaches the previous event (gerbang_append_audit, migration 0027), so while the catch-up is behind they
 * leave the tree alone and the next batch takes their events in order. The batch that reaches the
 * head does so under the lock: the next append finds its predecessor's leaf and stores its own.
 * On an up-to-date tree it costs one transaction of two queries.
 * Leaves are hashed from the rows as they are now: run GET /v1/audit/verify first if in doubt.
 */
export async function catchUpAuditTree(db: Db, logger?: Logger): Promise<CatchUpResult> {
  const started = performance.now();
  let appended = 0;
  let size = 0;
  let complete = false;
  let lastLogged = 0;
  for (;;) {
    const step = await db.transaction(async (tx) => {
      const [head] = await rows<AuditHead>(tx, AUDIT_HEAD_FOR_UPDATE);
      const headSeq = Number(head?.seq ?? 0);
      const builder = await treeBuilderAtEnd(tx);
      const from = builder.size;
      if (from >= headSeq) return { from, to: from, done: true, gap: false, headSeq };
      const page = await eventsPage(tx, from, headSeq, {}, BATCH);
      const contiguous = page.filter((r, i) => Number(r.seq) === from + 1 + i);
      if (contiguous.length > 0) await appendWithBuilder(tx, builder, contiguous.map((r) => eventLeafHash(toEvent(r))));
      const gap = contiguous.length < page.length || page.length === 0;
      return { from, to: builder.size, done: gap || builder.size >= headSeq, gap, headSeq };
    });
    appended += step.to - step.from;
    size = step.to;
    if (step.gap) {
      logger?.error({ treeSize: size, headSeq: step.headSeq }, 'audit tree: events are missing from the log; the tree stops before the gap');
      break;
    }
    if (step.done) {
      complete = true;
      break;
    }
    if (logger && appended - lastLogged >= 100_000) {
      lastLogged = appended;
      logger.info({ treeSize: size, headSeq: step.headSeq }, 'audit tree: backfilling');
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (appended > 0) logger?.info({ appended, size, seconds, complete }, 'audit tree: backfilled the events written before it existed');
  return { appended, seconds, size, complete };
}
