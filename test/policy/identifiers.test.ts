import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  luhnCheckDigit, maskNik, NIK_PROVINCE_CODES, validateKpj, validateNib, validateNik, validateNpwp,
} from '../../src/policy/identifiers.ts';
import type { IdentifierResult } from '../../src/policy/identifiers.ts';
import { identifierMessage } from '../../src/policy/messages.ts';
import type { IdentifierRule } from '../../src/policy/messages.ts';
import { digits, formatNpwp15, luhnValid, nikFrom, nikParts, pad, PROVINCES, validNik, validNpwp15 } from './arbitraries.ts';

const ruleOf = (r: IdentifierResult): string => (r.ok ? 'OK' : r.rule);

const nonDigit = fc.constantFrom('a', 'Z', ' ', '-', '.', '/', '٣', 'x', '+', '\n');

function withCharAt(s: string, i: number, ch: string): string {
  return s.slice(0, i) + ch + s.slice(i + 1);
}

describe('NIK', () => {
  it('accepts every NIK built by the rules, returning it unchanged', () => {
    fc.assert(fc.property(validNik, (nik) => {
      expect(validateNik(nik)).toEqual({ ok: true, value: nik });
    }));
  });

  it('knows exactly the 38 province codes of the contract', () => {
    expect(NIK_PROVINCE_CODES.size).toBe(38);
    expect([...NIK_PROVINCE_CODES].sort()).toEqual([...PROVINCES].sort());
  });

  it('rejects a province code outside the list', () => {
    const badProvince = fc.integer({ min: 0, max: 99 }).map((n) => pad(n, 2)).filter((p) => !PROVINCES.includes(p));
    fc.assert(fc.property(validNik, badProvince, (nik, p) => {
      expect(ruleOf(validateNik(p + nik.slice(2)))).toBe('NIK_PROVINCE');
    }));
  });

  it('rejects regency 00 and district 00', () => {
    fc.assert(fc.property(validNik, (nik) => {
      expect(ruleOf(validateNik(`${nik.slice(0, 2)}00${nik.slice(4)}`))).toBe('NIK_REGENCY');
      expect(ruleOf(validateNik(`${nik.slice(0, 4)}00${nik.slice(6)}`))).toBe('NIK_DISTRICT');
    }));
  });

  it('rejects serial 0000', () => {
    fc.assert(fc.property(validNik, (nik) => {
      expect(ruleOf(validateNik(`${nik.slice(0, 12)}0000`))).toBe('NIK_SERIAL');
    }));
  });

  it('rejects birth dates that exist in no century', () => {
    // Days 00, 32-40 and 72+ exist for nobody; months 00 and 13+ do not exist; 31 Feb never does.
    const badDay = fc.oneof(fc.constant(0), fc.integer({ min: 32, max: 40 }), fc.integer({ min: 72, max: 99 }));
    fc.assert(fc.property(validNik, badDay, (nik, dd) => {
      expect(ruleOf(validateNik(nik.slice(0, 6) + pad(dd, 2) + nik.slice(8)))).toBe('NIK_BIRTH_DATE');
    }));
    const badMonth = fc.oneof(fc.constant(0), fc.integer({ min: 13, max: 99 }));
    fc.assert(fc.property(validNik, badMonth, (nik, mm) => {
      expect(ruleOf(validateNik(nik.slice(0, 8) + pad(mm, 2) + nik.slice(10)))).toBe('NIK_BIRTH_DATE');
    }));
    const impossible = fc.constantFrom('3102', '3002', '7102', '7002', '3104', '7104', '3106', '3109', '3111', '7111');
    fc.assert(fc.property(validNik, impossible, fc.integer({ min: 0, max: 99 }), (nik, ddmm, yy) => {
      expect(ruleOf(validateNik(nik.slice(0, 6) + ddmm + pad(yy, 2) + nik.slice(12)))).toBe('NIK_BIRTH_DATE');
    }));
  });

  it('accepts 29 February exactly when 19YY or 20YY is a leap year', () => {
    fc.assert(fc.property(validNik, fc.integer({ min: 0, max: 99 }), fc.boolean(), (nik, yy, female) => {
      const candidate = nik.slice(0, 6) + (female ? '69' : '29') + '02' + pad(yy, 2) + nik.slice(12);
      expect(ruleOf(validateNik(candidate))).toBe(yy % 4 === 0 ? 'OK' : 'NIK_BIRTH_DATE');
    }));
    expect(validateNik('1671012902000001').ok).toBe(true); // 2000 is a leap year (1900 is not)
    expect(validateNik('1671016902000001').ok).toBe(true); // the same for a woman
    expect(ruleOf(validateNik('1671012902010001'))).toBe('NIK_BIRTH_DATE');
  });

  it('treats days 41-71 as women\'s birth days', () => {
    fc.assert(fc.property(nikParts, (p) => {
      expect(validateNik(nikFrom({ ...p, female: true })).ok).toBe(true);
    }));
    expect(validateNik('1671017112990001').ok).toBe(true); // 31 December, female
    expect(ruleOf(validateNik('1671017211990001'))).toBe('NIK_BIRTH_DATE'); // day 72
  });

  it('rejects wrong lengths and non-digits', () => {
    fc.assert(fc.property(validNik, fc.integer({ min: 1, max: 15 }), (nik, keep) => {
      expect(ruleOf(validateNik(nik.slice(0, keep)))).toBe('NIK_LENGTH');
    }));
    fc.assert(fc.property(validNik, digits(1), (nik, extra) => {
      expect(ruleOf(validateNik(nik + extra))).toBe('NIK_LENGTH');
    }));
    fc.assert(fc.property(validNik, fc.integer({ min: 0, max: 15 }), nonDigit, (nik, i, ch) => {
      expect(ruleOf(validateNik(withCharAt(nik, i, ch)))).toBe('NIK_NOT_DIGITS');
    }));
    expect(ruleOf(validateNik(''))).toBe('NIK_LENGTH');
    expect(ruleOf(validateNik(' 1671010101900001'))).toBe('NIK_NOT_DIGITS');
  });

  it('says in the message which rule broke, in Indonesian by default and in English on request', () => {
    const r = validateNik('1671000101900001');
    expect(r).toEqual({ ok: false, rule: 'NIK_DISTRICT', message: identifierMessage('NIK_DISTRICT', 'id') });
    const en = validateNik('1671000101900001', 'en');
    expect(en.ok === false && en.message).toContain('district');
  });
});

describe('maskNik', () => {
  it('keeps the first 6 and last 4 digits', () => {
    expect(maskNik('1671010101900001')).toBe('167101******0001');
    fc.assert(fc.property(validNik, (nik) => {
      const masked = maskNik(nik);
      expect(masked).toHaveLength(16);
      expect(masked.slice(0, 6)).toBe(nik.slice(0, 6));
      expect(masked.slice(6, 12)).toBe('******');
      expect(masked.slice(12)).toBe(nik.slice(12));
    }));
  });

  it('masks a malformed value entirely rather than leak part of it', () => {
    expect(maskNik('12345')).toBe('*****');
    expect(maskNik('16710101019000012')).toBe('*'.repeat(17));
  });
});

describe('KPJ and NIB', () => {
  const cases: Array<[string, (v: string) => IdentifierResult, number, IdentifierRule, IdentifierRule]> = [
    ['KPJ', validateKpj, 11, 'KPJ_LENGTH', 'KPJ_NOT_DIGITS'],
    ['NIB', validateNib, 13, 'NIB_LENGTH', 'NIB_NOT_DIGITS'],
  ];
  for (const [name, validate, length, lengthRule, digitsRule] of cases) {
    it(`${name}: accepts any ${length} digits, rejects other lengths and non-digits`, () => {
      fc.assert(fc.property(digits(length), (v) => {
        expect(validate(v)).toEqual({ ok: true, value: v });
      }));
      fc.assert(fc.property(fc.integer({ min: 0, max: 30 }).filter((n) => n !== length), (n) => {
        expect(ruleOf(validate('7'.repeat(n)))).toBe(lengthRule);
      }));
      fc.assert(fc.property(digits(length), fc.integer({ min: 0, max: length - 1 }), nonDigit, (v, i, ch) => {
        expect(ruleOf(validate(withCharAt(v, i, ch)))).toBe(digitsRule);
      }));
    });
  }
});

describe('NPWP', () => {
  it('accepts the contract\'s example 01.312.166.0-091.000 (its check digit 0 is Luhn-valid)', () => {
    expect(luhnCheckDigit('01312166')).toBe(0);
    expect(validateNpwp('01.312.166.0-091.000')).toEqual({ ok: true, value: '013121660091000' });
    expect(validateNpwp('0013121660091000')).toEqual({ ok: true, value: '0013121660091000' });
  });

  it('agrees with a whole-string Luhn check', () => {
    fc.assert(fc.property(digits(8), (head) => {
      expect(luhnValid(head + String(luhnCheckDigit(head)))).toBe(true);
    }));
  });

  it('accepts valid 15-digit numbers, plain or formatted, and normalises them to digits', () => {
    fc.assert(fc.property(validNpwp15, (d) => {
      expect(validateNpwp(d)).toEqual({ ok: true, value: d });
      expect(validateNpwp(formatNpwp15(d))).toEqual({ ok: true, value: d });
      expect(validateNpwp(d.replace(/(\d{3})/g, '$1 '))).toEqual({ ok: true, value: d });
    }));
  });

  it('accepts the 16-digit forms: 0 + a valid 15-digit number, or a valid NIK', () => {
    fc.assert(fc.property(validNpwp15, (d) => {
      expect(validateNpwp(`0${d}`)).toEqual({ ok: true, value: `0${d}` });
      expect(validateNpwp(`0${formatNpwp15(d)}`)).toEqual({ ok: true, value: `0${d}` });
    }));
    fc.assert(fc.property(validNik, (nik) => {
      expect(validateNpwp(nik)).toEqual({ ok: true, value: nik });
    }));
  });

  it('rejects any single changed digit among the first 9 as a check-digit failure', () => {
    fc.assert(fc.property(validNpwp15, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), (d, i, delta, long) => {
      const changed = withCharAt(d, i, String((Number(d[i]) + delta) % 10));
      expect(ruleOf(validateNpwp(long ? `0${changed}` : changed))).toBe('NPWP_CHECK_DIGIT');
    }));
  });

  it('rejects a 16-digit number that is neither form, naming the NIK rule it broke', () => {
    const r = validateNpwp('1671000101900001');
    expect(ruleOf(r)).toBe('NPWP_NIK');
    expect(!r.ok && r.message).toContain(identifierMessage('NIK_DISTRICT', 'id'));
  });

  it('rejects other lengths and other characters', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 }).filter((n) => n !== 15 && n !== 16), (n) => {
      expect(ruleOf(validateNpwp('1'.repeat(n)))).toBe('NPWP_LENGTH');
    }));
    expect(ruleOf(validateNpwp('01.312.166.0-091.00A'))).toBe('NPWP_NOT_DIGITS');
    expect(ruleOf(validateNpwp('01/312/166/0-091.000'))).toBe('NPWP_NOT_DIGITS');
  });
});
