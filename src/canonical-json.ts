// RFC 8785 canonical JSON, the one form every hash in Gerbang is taken over: audit events, the
// evidence of decisions, idempotent request bodies.
import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * Canonical JSON of any JSON-able value, exactly as the `canonicalize` package prints it (toJSON
 * applied, undefined dropped). Plain data (what decisions, audit events and request bodies hash)
 * takes the fast path below, a sorted copy printed by JSON.stringify, at about twice the package's
 * speed; anything else (a toJSON, a class instance, a function, keys a plain object cannot keep in
 * order) is printed by the package itself. test/canonical-json.test.ts holds both to the same text.
 */
export function canonicalJson(value: unknown): string {
  const sorted = sortedCopy(value);
  const text = sorted === UNSORTABLE ? canonicalize(value) : JSON.stringify(sorted);
  if (text === undefined) throw new TypeError('value cannot be canonicalised');
  return text;
}

/** SHA-256 hex of a text; the one-shot digest is twice as fast as createHash() for short texts. */
export const sha256Hex = (text: string): string => hash('sha256', text, 'hex');

// canonicalJson's fast path: keys sorted by UTF-16 code units (Array#sort's default order), strings
// and numbers printed as JSON.stringify prints them, which is how RFC 8785 prints them.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
/** A string as canonical JSON prints it. */
export const quoteJsonString = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

// Keys JS objects do not keep in insertion order (array indices come first, numerically) or that
// a plain object cannot hold as data: such objects go to the package.
const SPECIAL_KEY = /^(?:0|[1-9]\d*|__proto__)$/;
const UNSORTABLE = Symbol('unsortable');

/**
 * The same value with every object's keys inserted in sorted order, or UNSORTABLE when
 * JSON.stringify could print it otherwise than RFC 8785's reference (the package) does: a key order
 * JS does not keep, an object that is not plain data (a prototype of its own, a toJSON), a value
 * JSON has no form for (a function, a symbol, a bigint), or one the package refuses (a lone
 * surrogate, NaN, an infinity).
 */
function sortedCopy(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return value.isWellFormed() ? value : UNSORTABLE; // the package refuses lone surrogates
    case 'number':
      return Number.isFinite(value) ? value : UNSORTABLE; // and NaN and the infinities
    case 'boolean':
    case 'undefined':
      return value;
    case 'object':
      if (value === null) return value;
      break;
    default:
      return UNSORTABLE;
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = sortedCopy(value[i]);
      if (item === UNSORTABLE) return UNSORTABLE;
      out[i] = item;
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in (value as object)) return UNSORTABLE;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (SPECIAL_KEY.test(key) || !key.isWellFormed()) return UNSORTABLE;
    const item = sortedCopy(record[key]);
    if (item === UNSORTABLE) return UNSORTABLE;
    out[key] = item;
  }
  return out;
}
