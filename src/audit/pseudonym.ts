import { createHmac } from 'node:crypto';

/** The keyed pseudonym that stands for a worker in the audit log (HMAC-SHA-256 of the NIK, hex). */
export type Pseudonymize = (nik: string) => string;

export const pseudonymizer =
  (key: Buffer): Pseudonymize =>
  (nik) =>
    createHmac('sha256', key).update(nik).digest('hex');

// A NIK standing alone: 16 digits not joined to other letters or digits. Hex pseudonyms and
// hashes contain digit runs too, but always joined to more hex, so they never match.
const STANDALONE_16_DIGITS = /(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])/;

export interface PersonalDataFinding {
  /** JSON path inside the scanned value, e.g. `data.workers[0].nik`. */
  path: string;
  kind: 'NIK' | 'NAME';
}

/**
 * Finds raw personal data in a value (an audit event or its data): any NIK-shaped 16-digit string
 * or number, and any of `knownNames` (case- and space-insensitive). Keys are scanned too. Used by
 * the tests that prove the log holds only pseudonyms; reports paths, never the values found.
 */
export function findPersonalData(value: unknown, knownNames: readonly string[] = []): PersonalDataFinding[] {
  const fold = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
  const names = knownNames.map(fold).filter((n) => n.length >= 3);
  const findings: PersonalDataFinding[] = [];
  const scanText = (text: string, path: string) => {
    if (STANDALONE_16_DIGITS.test(text)) findings.push({ path, kind: 'NIK' });
    if (names.length > 0) {
      const folded = fold(text);
      if (names.some((n) => folded.includes(n))) findings.push({ path, kind: 'NAME' });
    }
  };
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') scanText(v, path);
    else if (typeof v === 'number' || typeof v === 'bigint') scanText(String(v), path);
    else if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        const at = path ? `${path}.${key}` : key;
        scanText(key, `${at} (key)`);
        walk(item, at);
      }
    }
  };
  walk(value, '');
  return findings;
}
