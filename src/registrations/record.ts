// A registration record as its history keeps it (and as the API shows it), built in SQL so every
// writer (the upstream refresh, the import) stores the same shape.
import { sql, type SQL } from 'drizzle-orm';

const utc = (column: SQL): SQL => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The record of alias `r` (columns as in project_registrations) with `asOf` the given instant;
 * `found` is its column unless given (an imported record is always found).
 */
export function registrationRecordJson(r: string, asOf: SQL, found: SQL = sql.raw(`${r}.found`)): SQL {
  const c = (name: string) => sql.raw(`${r}.${name}`);
  return sql`jsonb_build_object('projectNumber', ${c('registration_number')}, 'found', ${found}, 'status', ${c('status')},
    'contractValue', ${c('contract_value')}, 'premiumRequired', ${c('premium_required')}, 'premiumPaid', ${c('premium_paid')},
    'workersRegistered', ${c('workers_registered')}, 'coverageStart', ${c('coverage_start')}::text,
    'coverageEnd', ${c('coverage_end')}::text, 'asOf', ${utc(asOf)})`;
}
