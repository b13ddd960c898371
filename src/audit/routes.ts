import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { AppError, errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { checkpointQuery, checkpointSchema, eventPageSchema, eventsQuery, jwksSchema, verifyQuery, verifyResultSchema } from './schemas.ts';
import { createAuditService, type StreamFormat } from './service.ts';
import { tlogRoutes } from './tlog-routes.ts';

const AUDITORS = ['inspector', 'admin'] as const;

const MEDIA: Record<string, StreamFormat | 'json'> = {
  'application/json': 'json',
  'application/*': 'json',
  '*/*': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'text/csv': 'csv',
  'text/*': 'csv',
};

/** Picks the export format from Accept (q-values honoured); no header means JSON; null: nothing we serve. */
export function negotiateFormat(accept: string | undefined): StreamFormat | 'json' | null {
  if (!accept || accept.trim() === '') return 'json';
  const ranked = accept
    .split(',')
    .map((part, index) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { format: MEDIA[type], q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((m) => m.format !== undefined && m.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.format ?? null;
}

export const auditRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = createAuditService(ctx);

  app.get('/v1/audit/events', {
    config: { roles: AUDITORS },
    schema: {
      operationId: 'listAuditEvents', tags: ['audit'], summary: 'Export the audit log (JSON pages, or NDJSON / CSV streams by Accept)',
      description: [
        'Events exactly as hashed, in seq order. `Accept: application/json` (default) answers one page `{ items, nextCursor }`;',
        'the first page pins the head, and nextCursor is null once the pages reach it, so the export ends although each page',
        'request appends its own `audit.exported` event. `Accept: application/x-ndjson` (one event per line) or `text/csv`',
        '(actor and data as JSON text; an empty requestId is null) streams the whole filtered range up to the current head;',
        'limit and cursor do not apply, and the `x-audit-until-seq` header names the last seq the stream may contain.',
        'Every export appends one `audit.exported` event first (who, format, filters, range; a JSON page also its count).',
      ].join(' '),
      querystring: eventsQuery,
      response: {
        200: {
          description: 'A page of events, or the range as a stream',
          content: {
            'application/json': { schema: eventPageSchema },
            'application/x-ndjson': { schema: z.string().describe('One AuditEvent JSON object per line') },
            'text/csv': { schema: z.string().describe('Header seq,at,actor,action,entityType,entityId,data,requestId,prevHash,hash') },
          },
        },
        ...errorResponses(406),
      },
    },
  }, async (request, reply) => {
    const format = negotiateFormat(request.headers.accept);
    if (format === null) {
      throw new AppError('NOT_ACCEPTABLE', {
        detail: { id: 'Ekspor tersedia sebagai application/json, application/x-ndjson atau text/csv', en: 'The export is available as application/json, application/x-ndjson or text/csv' },
      });
    }
    const meta = requestMeta(request);
    if (format === 'json') return reply.type('application/json; charset=utf-8').send(await service.page(meta, request.query));
    const { body, afterSeq, untilSeq } = await service.stream(meta, request.query, format);
    const extension = format === 'csv' ? 'csv' : 'ndjson';
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('x-audit-until-seq', String(untilSeq))
      .header('content-disposition', `attachment; filename="audit-events-${afterSeq + 1}-${untilSeq}.${extension}"`)
      .header('cache-control', 'no-store')
      // A stream is piped as it is, never serialised: the declared string schemas document it only.
      .send(body as unknown as string);
  });

  app.get('/v1/audit/verify', {
    // The whole log, if asked: bounded by its size, not by a clock.
    config: { roles: AUDITORS, limits: 'long' },
    schema: {
      operationId: 'verifyAuditLog', tags: ['audit'], summary: 'Recompute the hash chain over a range and name the first invalid seq',
      description:
        'Recomputes every hash and prev link in [fromSeq, toSeq] (edited fields, deleted or inserted events) and compares audit_head with the last event. To prove an old checkpoint is still contained, ask fromSeq=1&toSeq=<checkpoint seq>: ok with toHash equal to the checkpoint hash.',
      querystring: verifyQuery,
      response: { 200: verifyResultSchema },
    },
  }, async (request) => service.verify(request.query));

  app.get('/v1/audit/checkpoint', {
    config: { roles: [...AUDITORS, 'witness'] },
    schema: {
      operationId: 'getAuditCheckpoint', tags: ['audit'], summary: 'The head of the log, signed (JWS over the chain, C2SP note over the Merkle root)',
      description: [
        'Without parameters: the head. `treeSize=N`: the checkpoint of that past size (the same note every time: Ed25519 is',
        'deterministic). `cosigned=true`: the latest size that registered witnesses cosigned, its note carrying their lines.',
        'Check a note with `npm run audit:verify -- --checkpoint note.txt --jwks jwks.json` (see the README).',
      ].join(' '),
      querystring: checkpointQuery,
      response: { 200: checkpointSchema, ...errorResponses(404) },
    },
  }, async (request) => service.checkpoint(request.query));

  await tlogRoutes(app, { ctx, tlog: service.tlog });

  app.get('/v1/audit/jwks.json', {
    config: { public: true },
    schema: {
      operationId: 'getAuditJwks', tags: ['audit'], summary: 'Public keys that verify checkpoints and receipts (retired keys included)',
      security: [],
      response: { 200: jwksSchema },
    },
  }, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(service.jwks()));
};
