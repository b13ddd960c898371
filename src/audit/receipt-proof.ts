import type { AppContext } from '../context.ts';
import { flushWal } from '../db/client.ts';
import type { AuditEvent } from './chain.ts';
import { toEvent } from './export-format.ts';
import { eventsPage, readHead } from './repository.ts';
import { createTlog } from './tlog.ts';

/** What a decision receipt adds to prove itself (contract 2.7): its leaf, an inclusion proof and the signed note. */
export interface ReceiptProof {
  /** Signed inside the receipt's JWS payload. */
  payload: { leafIndex: number; treeSize: number; leafHash: string; rootHash: string; inclusion: string[] };
  /** The signed checkpoint note of treeSize. */
  note: string;
  /** The disbursement.decided event exactly as hashed, so its leaf hash can be recomputed. */
  event: AuditEvent;
}

/** The inclusion of event `seq` in the tree at the current head, and that head's signed note. */
export async function receiptProof(ctx: AppContext, seq: number): Promise<ReceiptProof> {
  const { db } = ctx.database;
  const tlog = createTlog(ctx);
  // As for checkpoints: never sign a head that a crash could still take back.
  await flushWal(db);
  const head = (await readHead(db)).seq;
  const [proof, signed, rows] = await Promise.all([tlog.inclusion(seq, head), tlog.note(head), eventsPage(db, seq - 1, seq, {}, 1)]);
  const row = rows[0];
  if (!row) throw new Error(`audit event ${seq} is missing`);
  return {
    payload: { leafIndex: proof.leafIndex, treeSize: proof.treeSize, leafHash: proof.leafHash, rootHash: proof.rootHash, inclusion: proof.hashes },
    note: signed.note,
    event: toEvent(row),
  };
}
