// The import's fast path (src/memberships/fast-record.ts) never accepts what the schema refuses and,
// when it accepts, returns exactly what the schema's parse returns.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastMembershipRecord } from '../../src/memberships/fast-record.ts';
import { membershipRecordInput } from '../../src/memberships/schemas.ts';

const valid = {
  nik: '1671010105900001', kpj: '20000000001', name: 'Pekerja 1', status: 'ACTIVE', programs: ['JKM', 'JKK'],
  coverageStart: '2025-01-01', coverageEnd: '2025-12-31', segment: 'JAKON', projectNumber: '900100', asOf: '2025-06-01T00:00:00+07:00',
};

// Values each field is tried with: the valid one, near misses, and values of other types.
const candidates: Record<string, unknown[]> = {
  nik: [valid.nik, '1671010105900000', '9971010105900001', '1671013105900001', '1671014105900001', '167101010590001', ' 1671010105900001', 16710101059000, null],
  kpj: [valid.kpj, '2000000000', '2000000000a', '200000000011', 20000000001],
  name: [valid.name, '  Budi  ', '', '   ', 'x'.repeat(200), 'x'.repeat(201), ` ${'x'.repeat(200)} `, 'Siti\tAminah', 7],
  status: ['ACTIVE', 'INACTIVE', 'active', 'AKTIF', null],
  programs: [['JKK', 'JKM'], ['JKM', 'JKK', 'JP'], [], ['JKK', 'JKK'], ['JKK', 'XYZ'], ['JKP', 'JP', 'JHT', 'JKM', 'JKK'], ['JKP', 'JP', 'JHT', 'JKM', 'JKK', 'JKK'], 'JKK', [1]],
  coverageStart: ['2025-01-01', '2024-02-29', '2025-02-29', '1899-12-31', '2199-12-31', '2025-1-01', '2026-01-01', 20250101],
  coverageEnd: ['2025-12-31', '2025-01-01', '2024-12-31', '2200-01-01', '2025-13-01', null],
  segment: ['JAKON', 'PU', 'BPU', 'jakon', 'X'],
  projectNumber: [undefined, null, '900100', '', '9'.repeat(40), '9'.repeat(41), '12a', 900100],
  employerNpp: [undefined, null, '55501', '', 'x'],
  asOf: ['2025-06-01T00:00:00Z', '2025-06-01T00:00:00.123456Z', '2025-06-01t00:00:00z', '2025-06-01T24:00:00Z', '2025-06-01T23:59:60Z',
    '2025-06-01T00:00:00+14:00', '2025-06-01T00:00:00+14:01', '2025-06-01T00:00:00-12:00', '2025-06-01T00:00:00-13:00', '2025-06-01T00:00:00+0700',
    '2025-06-01 00:00:00Z', '2025-06-01T00:00Z', '2025-06-01', '1899-12-31T23:00:00Z', '2025-06-01T00:00:00.Z', null],
};

// The valid record with up to three fields changed (possibly removed), and at times an unknown field.
const fields = Object.keys(candidates);
const record = fc.tuple(
  fc.array(fc.tuple(fc.constantFrom(...fields), fc.nat()), { maxLength: 3 }),
  fc.boolean(), fc.boolean(),
).map(([changes, extra, drop]) => {
  const out: Record<string, unknown> = { ...valid };
  for (const [field, pick] of changes) {
    const values = candidates[field] as unknown[];
    out[field] = values[pick % values.length];
  }
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  if (drop && changes[0]) delete out[changes[0][0]];
  if (extra && changes.length === 3) out.colour = 'red';
  return out;
});

describe('fast path of the membership import', () => {
  it('accepts the plain valid record and returns what the schema returns', () => {
    const parsed = membershipRecordInput.parse(valid);
    expect(fastMembershipRecord(valid)).toEqual(parsed);
    expect(parsed.programs).toEqual(['JKK', 'JKM']);
    expect(parsed.asOf).toBe('2025-05-31T17:00:00.000Z');
  });

  it('never accepts what the schema refuses, and agrees with it on what both accept', () => {
    let accepted = 0;
    let schemaValid = 0;
    fc.assert(fc.property(record, (r) => {
      const fast = fastMembershipRecord(r);
      const schema = membershipRecordInput.safeParse(r);
      if (schema.success) schemaValid++;
      if (fast !== null) {
        accepted++;
        expect(schema.success).toBe(true);
        if (schema.success) expect(fast).toStrictEqual(schema.data);
      }
    }), { numRuns: 20_000 });
    // And it is a fast path for most valid records, not a rare one.
    expect(accepted).toBeGreaterThan(schemaValid * 0.8);
  });

  it('takes the common valid records (whatever the optional fields, the offset or the name\'s spaces)', () => {
    for (const over of [{ projectNumber: null }, { employerNpp: '1', segment: 'PU' }, { asOf: '2025-06-01T00:00:00.5-03:30' }, { name: '  Budi ' }]) {
      expect(fastMembershipRecord({ ...valid, ...over })).not.toBeNull();
    }
  });
});
