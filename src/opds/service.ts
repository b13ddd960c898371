import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { insertOpd, listOpds } from './repository.ts';
import type { CreateOpd } from './schemas.ts';

export function createOpdService(ctx: AppContext) {
  const { db } = ctx.database;
  return {
    list: () => listOpds(db),
    create: (meta: RequestMeta, input: CreateOpd) =>
      db.transaction(async (tx) => {
        const opd = await insertOpd(tx, input);
        if (!opd) throw new AppError('OPD_EXISTS', { detail: { id: `OPD ${input.code} sudah ada`, en: `OPD ${input.code} already exists` } });
        await appendAudit(tx, { actor: meta.actor, action: 'opd.created', entityType: 'opd', entityId: opd.code, data: { code: opd.code, name: opd.name }, requestId: meta.requestId }, ctx.clock);
        return opd;
      }),
  };
}
