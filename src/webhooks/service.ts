import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import { hasRole, type AuthContext } from '../http/auth.ts';
import { createdAtIdCursor, decodeCursor, encodeCursor } from '../http/pagination.ts';
import { AppError, notFound, validationFailed } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { checkWebhookUrl, systemResolver, type Refusal } from './address.ts';
import { findWebhook, insertWebhook, listDeliveries, listWebhooks, markDeleted, type WebhookRow } from './repository.ts';
import type { CreateWebhook } from './schemas.ts';

const REFUSALS: Record<Refusal, string> = {
  LINK_LOCAL: 'a link-local address (169.254.0.0/16, fe80::/10) is never allowed',
  METADATA: 'the cloud metadata address is never allowed',
  LOOPBACK: 'a loopback address needs WEBHOOK_ALLOW_PRIVATE=true',
  PRIVATE: 'a private address needs WEBHOOK_ALLOW_PRIVATE=true',
  RESERVED: 'a reserved, multicast or unspecified address is never allowed',
  SCHEME: 'only http and https URLs',
  HTTPS_REQUIRED: 'production needs https (http only to an allowed private address)',
  UNRESOLVABLE: 'the host name does not resolve',
  CREDENTIALS: 'credentials in the URL are not allowed',
};

const webhookNotFound = () => notFound({ id: 'Webhook tidak ditemukan', en: 'Webhook not found' });

/** Admin: every endpoint; opd staff: their OPD's. */
const mayManage = (auth: AuthContext, w: { opdCode: string | null }) =>
  hasRole(auth, 'admin') || (hasRole(auth, 'opd') && auth.opd !== null && w.opdCode === auth.opd);

const view = (w: WebhookRow) => ({ id: w.id, url: w.url, events: w.events, opdCode: w.opdCode, createdAt: w.createdAt, disabledAt: w.disabledAt });

export function createWebhookService(ctx: AppContext) {
  const { db } = ctx.database;
  return {
    async create(meta: RequestMeta, input: CreateWebhook) {
      const { auth } = meta;
      const opdCode = input.opdCode ?? null;
      if (!hasRole(auth, 'admin')) {
        // OPD staff register for their own OPD only.
        if (opdCode !== null && opdCode !== auth.opd) throw new AppError('FORBIDDEN', { detail: { id: 'Hanya untuk OPD Anda sendiri', en: 'Only for your own OPD' } });
      }
      const scope = hasRole(auth, 'admin') ? opdCode : auth.opd;
      const check = await checkWebhookUrl(input.url, {
        production: ctx.config.NODE_ENV === 'production', allowPrivate: ctx.config.WEBHOOK_ALLOW_PRIVATE, resolve: ctx.webhooks.resolve ?? systemResolver,
      });
      if (!check.ok) throw validationFailed([{ path: 'url', message: `${check.refusal}: ${REFUSALS[check.refusal ?? 'SCHEME']}` }]);
      const events = [...new Set(input.events)];
      return db.transaction(async (tx) => {
        const row = await insertWebhook(tx, { url: input.url, events, opdCode: scope, createdBy: auth.sub, at: ctx.clock() });
        await appendAudit(tx, {
          actor: meta.actor, action: 'webhook.created', entityType: 'webhook', entityId: row.id,
          data: { url: row.url, events, opdCode: scope }, requestId: meta.requestId,
        }, ctx.clock);
        return view(row);
      });
    },

    async list(meta: RequestMeta) {
      const { auth } = meta;
      return { items: (await listWebhooks(db, hasRole(auth, 'admin') ? null : auth.opd ?? '')).map(view) };
    },

    async remove(meta: RequestMeta, id: string) {
      await db.transaction(async (tx) => {
        const row = await findWebhook(tx, id);
        if (!row || !mayManage(meta.auth, row)) throw webhookNotFound();
        await markDeleted(tx, id, ctx.clock());
        await appendAudit(tx, {
          actor: meta.actor, action: 'webhook.deleted', entityType: 'webhook', entityId: id, data: { url: row.url }, requestId: meta.requestId,
        }, ctx.clock);
      });
    },

    async deliveries(meta: RequestMeta, id: string, q: { limit: number; cursor?: string | undefined }) {
      const row = await findWebhook(db, id);
      if (!row || !mayManage(meta.auth, row)) throw webhookNotFound();
      const after = decodeCursor(q.cursor, createdAtIdCursor);
      const found = await listDeliveries(db, id, after, q.limit);
      const page = found.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map(({ id: _id, cursorAt: _c, ...d }) => d),
        nextCursor: found.length > q.limit && last ? encodeCursor([last.cursorAt, last.id]) : null,
      };
    },

    jwks() {
      return { keys: ctx.webhooks.key ? [ctx.webhooks.key.publicJwk] : [] };
    },
  };
}
