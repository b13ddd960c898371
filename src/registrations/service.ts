import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import type { AuthContext } from '../http/auth.ts';
import { notFound } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { checkedRecord, FUTURE_TOLERANCE_MS } from '../http/import-records.ts';
import { RecordErrors, type BodyFormat } from '../http/streaming.ts';
import { MAX_IMPORT_ERRORS } from '../memberships/schemas.ts';
import { registrationRecords } from './input.ts';
import {
  createRegistrationStaging, findRegistration, findRegistrationHistory, mergeRegistrations, opdUsesNumber, stageRegistrations,
  type RegistrationMergeCounts, type StagedRegistration,
} from './repository.ts';
import { registrationRecordInput } from './schemas.ts';

/** Records per staging statement. */
const STAGE_BATCH = 1_000;

export interface RegistrationImportResult extends Omit<RegistrationMergeCounts, 'staged'> {
  importId: string;
  received: number;
  superseded: number;
}

const registrationNotFound = () =>
  notFound({ id: 'Tidak ada data pendaftaran BPJS untuk nomor ini', en: 'No BPJS registration data for this number' });

/** Admin and inspector read any number; OPD staff a number one of their OPD's projects carries. */
async function mayRead(executor: Tx | AppContext['database']['db'], auth: AuthContext, number: string): Promise<boolean> {
  if (auth.roles.includes('admin') || auth.roles.includes('inspector')) return true;
  return auth.roles.includes('opd') && auth.opd !== null && (await opdUsesNumber(executor, auth.opd, number));
}

export function createRegistrationService(ctx: AppContext) {
  const { db } = ctx.database;

  /** Reads and validates every record, staging the valid ones while the file is still being read. */
  async function stageAll(tx: Tx, format: BodyFormat, body: unknown): Promise<{ received: number; errors: RecordErrors }> {
    const errors = new RecordErrors(MAX_IMPORT_ERRORS);
    const latestAllowed = ctx.clock().getTime() + FUTURE_TOLERANCE_MS;
    let received = 0;
    let batch: StagedRegistration[] = [];
    for await (const raw of registrationRecords(format, body)) {
      received++;
      const record = checkedRecord(raw, (value) => registrationRecordInput.safeParse(value), errors, latestAllowed);
      if (record !== null && errors.count === 0) batch.push({ ...record, ord: received });
      if (errors.full) break; // refused anyway; the rest is not worth reading
      if (batch.length >= STAGE_BATCH && errors.count === 0) {
        await stageRegistrations(tx, batch);
        batch = [];
      }
    }
    if (errors.count === 0 && batch.length > 0) await stageRegistrations(tx, batch);
    if (received === 0) errors.add({ path: 'records', message: 'the import holds no records' });
    return { received, errors };
  }

  return {
    /**
     * One transaction per import: stage, merge, audit (counts only). A number repeated within one
     * file: the record with the latest asOf wins (on a tie, the later one); the others are `superseded`.
     */
    import: (meta: RequestMeta, format: BodyFormat, body: unknown): Promise<RegistrationImportResult> =>
      db.transaction(async (tx) => {
        await createRegistrationStaging(tx);
        const { received, errors } = await stageAll(tx, format, body);
        if (errors.count > 0) throw errors.toError();
        const { staged, ...counts } = await mergeRegistrations(tx, ctx.clock());
        const result: RegistrationImportResult = { importId: randomUUID(), received, ...counts, superseded: received - staged };
        await appendAudit(tx, {
          actor: meta.actor, action: 'registration.imported', entityType: 'registration_import', entityId: result.importId,
          data: { format, received, inserted: counts.inserted, updated: counts.updated, unchanged: counts.unchanged, skippedOlder: counts.skippedOlder, superseded: result.superseded },
          requestId: meta.requestId,
        }, ctx.clock);
        return result;
      }),

    /** The current record and its history; 404 when nothing is stored or the caller may not see it. */
    async read(meta: RequestMeta, number: string) {
      if (!(await mayRead(db, meta.auth, number))) throw registrationNotFound();
      const [current, history] = await Promise.all([findRegistration(db, number), findRegistrationHistory(db, number)]);
      if (current === null) throw registrationNotFound();
      return { current, history };
    },
  };
}
