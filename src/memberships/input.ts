import { importRecordIterator, type ImportShape, type RawRecord } from '../http/import-records.ts';
import type { BodyFormat } from '../http/streaming.ts';
import { CSV_COLUMNS } from './schemas.ts';


const OPTIONAL_TEXT = new Set<string>(CSV_COLUMNS.optional);

const PROGRAM_SEPARATOR = /[|;,]/;

/** The programs of a CSV field: separated by `|` or `;` (or commas when the field is quoted), blanks dropped. */
function csvPrograms(value: string): string[] {
  if (value === '') return [];
  const programs = value.split(PROGRAM_SEPARATOR);
  for (let i = 0; i < programs.length; i++) {
    const program = (programs[i] as string).trim();
    if (program === '') return programs.map((p) => p.trim()).filter((p) => p !== '');
    programs[i] = program;
  }
  return programs;
}

/**
 * A CSV row as the record object the JSON form would carry. `programs` is one field holding the
 * programs separated by `|` or `;` (or commas when the field is quoted); an empty field is none.
 * Empty optional columns are absent. (A for-in loop: Object.entries made 12 arrays a record.)
 */
function csvToRecord(values: Record<string, string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const key in values) {
    const value = values[key] as string;
    if (key === 'programs') record.programs = csvPrograms(value);
    else if (value === '' && OPTIONAL_TEXT.has(key)) continue;
    else record[key] = value;
  }
  return record;
}

const SHAPE: ImportShape = { columns: CSV_COLUMNS, fromCsv: csvToRecord };

/** The records of a membership import body, read one at a time (streams are never held in memory whole). */
export function importRecords(format: BodyFormat, body: unknown): AsyncIterableIterator<RawRecord> {
  return importRecordIterator(format, body, SHAPE);
}
