import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../db/client.ts';
import { accessLog } from '../db/schema/index.ts';
import type { AuditActor } from './chain.ts';

export interface AccessEntry {
  at: Date;
  actor: AuditActor;
  route: string;
  count: number;
  requestId: string;
}

export async function insertAccessEntries(db: Executor, entries: readonly AccessEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insert(accessLog).values(entries.map((e) => ({ at: e.at, sub: e.actor.sub, actor: e.actor, route: e.route, count: e.count, requestId: e.requestId })));
}

export interface AccessFilters {
  /** A calendar date (from the start of that day in `timeZone`) or an RFC 3339 instant; inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  sub?: string | undefined;
  timeZone: string;
  afterId?: number | undefined;
  limit: number;
}

export interface AccessRow {
  id: string | number;
  at: string;
  actor: AuditActor;
  route: string;
  count: number;
  request_id: string | null;
}

const IS_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function listAccess(db: Executor, f: AccessFilters): Promise<AccessRow[]> {
  const parts: SQL[] = [sql`true`];
  if (f.afterId !== undefined) parts.push(sql`id > ${f.afterId}`);
  if (f.from !== undefined) {
    parts.push(IS_DATE.test(f.from) ? sql`at >= (${f.from}::date::timestamp at time zone ${f.timeZone})` : sql`at >= ${f.from}::timestamptz`);
  }
  if (f.to !== undefined) {
    parts.push(IS_DATE.test(f.to) ? sql`at < ((${f.to}::date + 1)::timestamp at time zone ${f.timeZone})` : sql`at <= ${f.to}::timestamptz`);
  }
  if (f.sub !== undefined) parts.push(sql`sub = ${f.sub}`);
  return rows<AccessRow>(db, sql`
    select id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, actor, route, count, request_id
    from access_log where ${sql.join(parts, sql` and `)} order by id limit ${f.limit}`);
}
