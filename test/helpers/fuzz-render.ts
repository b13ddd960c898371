import type { Fixtures } from './fuzz-hints.ts';
import { PROTO_VARIANTS, type BodyContent, type FuzzOperation, type Mutation, type ParamValue, type RequestSpec, type Role } from './fuzz-requests.ts';

// Turns a request spec into app.inject options: resolves fixture ids, applies body mutations and
// writes the raw texts (`__proto__` keys, lone surrogates, huge and deep values) that a JS object
// could not carry through JSON.stringify.

export interface RenderedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

type Json = unknown;
interface Slot {
  parent: Record<string, Json> | Json[];
  key: string | number;
}

const PLACEHOLDER = '\u0001fuzz-placeholder\u0001';
const PLACEHOLDER_JSON = JSON.stringify(PLACEHOLDER);

/** Every property and element slot of a JSON value (depth <= 4), and every object in it. */
function slotsOf(root: Json): { slots: Slot[]; objects: Array<Record<string, Json>> } {
  const slots: Slot[] = [];
  const objects: Array<Record<string, Json>> = [];
  const walk = (node: Json, depth: number) => {
    if (depth > 4 || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        slots.push({ parent: node, key: i });
        walk(child, depth + 1);
      });
      return;
    }
    const record = node as Record<string, Json>;
    objects.push(record);
    for (const [key, child] of Object.entries(record)) {
      slots.push({ parent: record, key });
      walk(child, depth + 1);
    }
  };
  walk(root, 0);
  return { slots, objects };
}

const setSlot = (slot: Slot, value: Json) => {
  (slot.parent as Record<string | number, Json>)[slot.key] = value;
};

const deep = (depth: number, shape: 'array' | 'object') =>
  shape === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`;

/** The JSON text of `base` with the mutation applied. */
export function mutatedJson(base: Json, mutation: Mutation): string {
  const root = { value: JSON.parse(JSON.stringify(base ?? null)) as Json };
  const { slots, objects } = slotsOf(root.value);
  const valueSlots: Slot[] = slots.length > 0 ? slots : [{ parent: root as unknown as Record<string, Json>, key: 'value' }];
  const pick = <T>(list: T[]): T => list[mutation.at % list.length] as T;
  let replacement: string | undefined;
  switch (mutation.op) {
    case 'wrongType':
      setSlot(pick(valueSlots), mutation.value);
      break;
    case 'dropKey': {
      const keyed = slots.filter((s) => !Array.isArray(s.parent));
      if (keyed.length > 0) {
        const slot = pick(keyed);
        delete (slot.parent as Record<string, Json>)[slot.key as string];
      } else root.value = {};
      break;
    }
    case 'unknownKey':
      if (objects.length > 0) pick(objects)[mutation.key] = mutation.value;
      else root.value = { [mutation.key]: mutation.value };
      break;
    case 'proto': {
      const target = objects.length > 0 ? pick(objects) : undefined;
      if (target) target[PLACEHOLDER] = 0;
      else root.value = { [PLACEHOLDER]: 0 };
      const text = JSON.stringify(root.value);
      return text.replace(`${PLACEHOLDER_JSON}:0`, PROTO_VARIANTS[mutation.variant % PROTO_VARIANTS.length] ?? '');
    }
    case 'huge': {
      setSlot(pick(valueSlots), PLACEHOLDER);
      const rest = Buffer.byteLength(JSON.stringify(root.value)) - Buffer.byteLength(PLACEHOLDER_JSON) + 2;
      const bytes = Math.max(0, mutation.totalBytes - rest);
      const unit = Buffer.byteLength(mutation.filler);
      replacement = `"${mutation.filler.repeat(Math.floor(bytes / unit))}${'A'.repeat(bytes % unit)}"`;
      break;
    }
    case 'deep':
      setSlot(pick(valueSlots), PLACEHOLDER);
      replacement = deep(mutation.depth, mutation.shape);
      break;
    case 'rawValue':
      setSlot(pick(valueSlots), PLACEHOLDER);
      replacement = mutation.json;
      break;
  }
  const text = JSON.stringify(root.value) ?? 'null';
  return replacement === undefined ? text : text.replace(PLACEHOLDER_JSON, () => replacement);
}

const csvCell = (value: Json): string => {
  if (value === null || value === undefined) return '';
  const text = Array.isArray(value) ? value.join('|') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export function bodyText(content: BodyContent): string {
  if ('json' in content) return JSON.stringify(content.json) ?? '';
  if ('raw' in content) return content.raw;
  if ('mutate' in content) return mutatedJson(content.base, content.mutate);
  if ('csv' in content) {
    const { header, rows } = content.csv;
    const lines = rows.map((row) => header.map((h) => csvCell((row as Record<string, Json> | null)?.[h])).join(','));
    return `${[header.join(','), ...lines].join('\n')}\n`;
  }
  return content.ndjson.map((row) => JSON.stringify(row)).join('\n');
}

function paramText(value: ParamValue, fixtures: Fixtures): string {
  if ('fixture' in value) {
    const pool = fixtures.pools[value.fixture] ?? [];
    const id = pool.length > 0 ? (pool[value.index % pool.length] as string) : '00000000-0000-4000-8000-000000000000';
    return value.upper ? id.toUpperCase() : id;
  }
  return value.raw ? value.value : encode(value.value);
}

export function render(op: FuzzOperation, spec: RequestSpec, fixtures: Fixtures, tokens: Record<Role, string | undefined>): RenderedRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = spec.path[name];
    return value ? paramText(value, fixtures) : encode(name);
  });
  const query = spec.query.map((q) => (q.raw ? `${q.key}=${q.value}` : `${encode(q.key)}=${encode(q.value)}`)).join('&');
  const headers: Record<string, string> = { ...spec.headers };
  const token = tokens[spec.role];
  if (token) headers.authorization = `Bearer ${token}`;
  const rendered: RenderedRequest = { method: op.method, url: query ? `${path}?${query}` : path, headers };
  if (spec.body) {
    if (spec.body.contentType !== undefined) headers['content-type'] = spec.body.contentType;
    rendered.payload = bodyText(spec.body.content);
  }
  return rendered;
}

/** Percent-encoding; a lone surrogate cannot be UTF-8, so it goes as U+FFFD (what a browser sends). */
const encode = (text: string) => encodeURIComponent(text.toWellFormed());

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text);

/** A readable account of a request for failure messages (long values clipped, token hidden). */
export function describeRequest(r: RenderedRequest): string {
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, k === 'authorization' ? 'Bearer <token>' : clip(v, 120)]));
  const body = r.payload === undefined ? '' : `\n  body (${Buffer.byteLength(r.payload)} bytes): ${JSON.stringify(clip(r.payload, 600))}`;
  return `${r.method} ${clip(r.url, 300)}\n  headers: ${JSON.stringify(headers)}${body}`;
}
