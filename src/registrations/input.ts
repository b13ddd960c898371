import { importRecords as readImport, type ImportShape, type RawRecord } from '../http/import-records.ts';
import type { BodyFormat } from '../http/streaming.ts';
import { REGISTRATION_CSV_COLUMNS } from './schemas.ts';

const NUMBERS = new Set(['contractValue', 'premiumRequired', 'premiumPaid', 'workersRegistered']);
const OPTIONAL = new Set<string>(REGISTRATION_CSV_COLUMNS.optional);

/**
 * A CSV row as the record object the JSON form would carry: whole numbers as numbers (anything else
 * stays text, for the schema to name), empty optional columns absent.
 */
function csvToRegistration(values: Record<string, string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === '' && OPTIONAL.has(key)) continue;
    record[key] = NUMBERS.has(key) && /^\d{1,16}$/.test(value) ? Number(value) : value;
  }
  return record;
}

const SHAPE: ImportShape = { columns: REGISTRATION_CSV_COLUMNS, fromCsv: csvToRegistration };

/** The records of a registration import body, read one at a time. */
export function registrationRecords(format: BodyFormat, body: unknown): AsyncGenerator<RawRecord> {
  return readImport(format, body, SHAPE);
}
