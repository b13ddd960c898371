import { importRecords as readImport, type ImportShape, type RawRecord } from '../http/import-records.ts';
import type { BodyFormat } from '../http/streaming.ts';
import { CSV_COLUMNS } from './schemas.ts';


const OPTIONAL_TEXT = new Set<string>(CSV_COLUMNS.optional);

/**
 * A CSV row as the record object the JSON form would carry. `programs` is one field holding the
 * programs separated by `|` or `;` (or commas when the field is quoted); an empty field is none.
 * Empty optional columns are absent.
 */
function csvToRecord(values: Record<string, string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === 'programs') record.programs = value === '' ? [] : value.split(/[|;,]/).map((p) => p.trim()).filter((p) => p !== '');
    else if (value === '' && OPTIONAL_TEXT.has(key)) continue;
    else record[key] = value;
  }
  return record;
}

const SHAPE: ImportShape = { columns: CSV_COLUMNS, fromCsv: csvToRecord };

/** The records of a membership import body, read one at a time (streams are never held in memory whole). */
export function importRecords(format: BodyFormat, body: unknown): AsyncGenerator<RawRecord> {
  return readImport(format, body, SHAPE);
}
