import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashEvent, type AuditEvent } from '../../src/audit/chain.ts';
import { findPersonalData, pseudonymizer } from '../../src/audit/pseudonym.ts';
import { negotiateFormat } from '../../src/audit/routes.ts';
import { canonicalJson } from '../../src/canonical-json.ts';
import { createChainVerifier, recomputeHash, storedEventHasher } from '../../src/audit/verifier.ts';
import { runCli, writeTemp } from './support.ts';

function chain(n: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const unhashed = { seq, at: new Date(1_750_000_000_000 + seq).toISOString(), actor: { sub: 's', roles: ['admin'], opd: null }, action: 'project.updated' as const, entityType: 'project', entityId: `p${seq}`, data: { seq, ü: 'é', list: [1, 0.5, -0, 1e21] }, requestId: null, prevHash };
    prevHash = hashEvent(unhashed);
    out.push({ ...unhashed, hash: prevHash });
  }
  return out;
}
const ndjson = (events: unknown[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

describe('canonical JSON (RFC 8785) fast path', () => {
  it('prints exactly what the canonicalize package prints, for any parsed JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = JSON.parse(JSON.stringify(value)) as unknown; // what the verifier sees
        expect(canonicalJson(parsed)).toBe(canonicalize(parsed));
      }),
      { numRuns: 2_000 },
    );
  });

  it('sorts keys by UTF-16 code units and prints numbers as ECMAScript does (RFC 8785 examples)', () => {
    const value = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    expect(canonicalJson(value)).toBe(canonicalize(value));
    expect(canonicalJson([333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001, -0])).toBe('[333333333.3333333,1e+30,4.5,0.002,1e-27,0]');
  });

  it('hashes stored rows exactly as appendAudit hashed the event', () => {
    const hasher = storedEventHasher();
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), fc.option(fc.string()), (actor, data, text, requestId) => {
        const unhashed = { seq: 7, at: '2025-09-15T03:04:05.678Z', actor: JSON.parse(JSON.stringify(actor)) as never, action: 'project.updated' as const, entityType: text, entityId: text, data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>, requestId, prevHash: 'a'.repeat(64) };
        const hash = hashEvent(unhashed);
        const stored = { ...unhashed, actorText: JSON.stringify(unhashed.actor), hash };
        expect(hasher(stored)).toBe(hash);
        expect(hasher({ ...stored, entityId: `${text}x` })).not.toBe(hash);
      }),
      { numRuns: 1_000 },
    );
  });

  it('falls back to the reference implementation before calling a hash wrong', () => {
    const [event] = chain(1) as [AuditEvent];
    expect(recomputeHash(event as unknown as Record<string, unknown>)).toBe(event.hash);
    expect(recomputeHash({ ...event, data: { s: '\ud800' } } as unknown as Record<string, unknown>)).toBe(''); // lone surrogate: never valid
  });
});

describe('chain verifier', () => {
  const events = chain(6);
  const run = (list: unknown[], start = { seq: 1, prevHash: GENESIS_HASH as string | null }) => {
    const v = createChainVerifier(start);
    for (const e of list) if (!v.push(e as Record<string, unknown>)) break;
    return v.verdict();
  };

  it('accepts a whole chain', () => {
    expect(run(events)).toMatchObject({ ok: true, checked: 6, firstSeq: 1, lastSeq: 6, lastHash: events[5]?.hash });
  });

  it('names the first invalid seq for each kind of damage', () => {
    const copy = () => events.map((e) => structuredClone(e));
    const edited = copy();
    (edited[2] as AuditEvent).data = { changed: true };
    expect(run(edited)).toMatchObject({ ok: false, firstInvalidSeq: 3, reason: 'HASH_MISMATCH' });
    expect(run(events.filter((e) => e.seq !== 4))).toMatchObject({ ok: false, firstInvalidSeq: 4, reason: 'MISSING_EVENT' });
    expect(run([...events.slice(0, 3), events[2], ...events.slice(3)])).toMatchObject({ ok: false, firstInvalidSeq: 3, reason: 'UNEXPECTED_EVENT' });
    const relinked = copy();
    const fake = { ...relinked[3], prevHash: 'a'.repeat(64) } as AuditEvent;
    const { hash: _h, ...rest } = fake;
    relinked[3] = { ...fake, hash: hashEvent(rest) };
    expect(run(relinked)).toMatchObject({ ok: false, firstInvalidSeq: 4, reason: 'BROKEN_LINK' });
    expect(run([{ ...events[0], seq: '1' }])).toMatchObject({ ok: false, reason: 'MALFORMED_EVENT' });
    expect(run([{ ...events[0], extra: 1 }])).toMatchObject({ ok: false, firstInvalidSeq: 1, reason: 'HASH_MISMATCH' });
    expect(run([{ ...events[0], hash: 'ABC' }])).toMatchObject({ ok: false, firstInvalidSeq: 1, reason: 'MALFORMED_EVENT' });
  });

  it('checks a partial range from an unknown predecessor, and seq 1 against the genesis hash', () => {
    expect(run(events.slice(3), { seq: 4, prevHash: null })).toMatchObject({ ok: true, checked: 3 });
    const v = createChainVerifier({ prevHash: null });
    const first = { ...events[0], prevHash: 'b'.repeat(64) } as AuditEvent;
    const { hash: _h, ...rest } = first;
    v.push({ ...first, hash: hashEvent(rest) });
    expect(v.verdict()).toMatchObject({ ok: false, firstInvalidSeq: 1, reason: 'BROKEN_LINK' });
  });
});

describe('audit:verify CLI (edge cases)', () => {
  const events = chain(5);

  it('verifies a file, with or without a trailing newline and with CRLF line ends', async () => {
    expect((await runCli([writeTemp(ndjson(events))])).code).toBe(0);
    expect((await runCli([writeTemp(ndjson(events).trimEnd())])).code).toBe(0);
    const crlf = await runCli([writeTemp(ndjson(events).replaceAll('\n', '\r\n')), '--json']);
    expect(crlf.json).toMatchObject({ ok: true, checked: 5 });
  });

  it('reports a partial export, an empty one, and a line that is not JSON', async () => {
    const partial = await runCli([writeTemp(ndjson(events.slice(2)))]);
    expect(partial.code).toBe(0);
    expect(partial.stdout).toMatch(/partial export/);
    expect((await runCli([writeTemp(''), '--json'])).json).toMatchObject({ ok: true, checked: 0 });
    const broken = await runCli([writeTemp(`${ndjson(events.slice(0, 2))}{"seq":3,\n${ndjson(events.slice(3))}`), '--json']);
    expect(broken.code).toBe(1);
    expect(broken.json).toMatchObject({ ok: false, firstInvalidSeq: 3, reason: 'MALFORMED_EVENT' });
    const human = await runCli([writeTemp(ndjson(events.filter((e) => e.seq !== 2)))]);
    expect(human.stdout).toMatch(/chain INVALID: first invalid seq 2 \(MISSING_EVENT\)/);
    expect(human.stdout.trim().endsWith('FAILED')).toBe(true);
  });

  it('exits 2 on unusable input', async () => {
    expect((await runCli([])).code).toBe(2);
    expect((await runCli(['/nonexistent/file.ndjson'])).code).toBe(2);
    expect((await runCli([writeTemp(ndjson(events)), '--jwks', writeTemp('{}', 'json')])).code).toBe(2);
    expect((await runCli([writeTemp(ndjson(events)), '--checkpoint', writeTemp('{"seq":1}', 'json')])).code).toBe(2);
  });
});

describe('export format negotiation', () => {
  it.each([
    [undefined, 'json'],
    ['application/json', 'json'],
    ['*/*', 'json'],
    ['application/x-ndjson', 'ndjson'],
    ['text/csv', 'csv'],
    ['text/csv;q=0.2, application/x-ndjson;q=0.9', 'ndjson'],
    ['application/x-ndjson;q=0, text/csv', 'csv'],
    ['application/xml', null],
  ])('Accept %s -> %s', (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });
});

describe('personal data scan', () => {
  const nik = '1671014501900001';
  it('finds NIK-shaped strings and numbers and known names, and reports paths only', () => {
    const findings = findPersonalData({ a: `worker ${nik}`, b: [{ c: Number(nik) }], d: 'Budi  Santoso ada', [nik]: 1 }, ['budi santoso']);
    expect(findings).toEqual(
      expect.arrayContaining([
        { path: 'a', kind: 'NIK' },
        { path: 'b[0].c', kind: 'NIK' },
        { path: 'd', kind: 'NAME' },
        { path: `${nik} (key)`, kind: 'NIK' },
      ]),
    );
    expect(JSON.stringify(findings)).not.toContain('Budi');
  });

  it('does not mistake pseudonyms, hashes, uuids or timestamps for NIKs', () => {
    const pseudonymize = pseudonymizer(Buffer.alloc(32, 7));
    const values = Array.from({ length: 2_000 }, (_, i) => pseudonymize(String(1671010000000000 + i)));
    expect(findPersonalData({ values, id: '123e4567-e89b-12d3-a456-426614174000', at: '2025-09-15T03:04:05.678Z', sha: 'e'.repeat(64) })).toEqual([]);
  });
});
