// Request and response examples of every operation, shown by Swagger UI ("Try it out" starts from
// them). They are recorded from a real run (`npm run openapi:examples`, scripts/openapi-examples.ts)
// into openapi-examples.json beside this file, and added to the document here. The CSV and NDJSON
// request bodies are described as the text they are, not as the JSON object they turn into.
import { readFileSync } from 'node:fs';

export interface OperationExample {
  /** The URL the example was recorded with, and the role of its token (null: public). */
  url: string;
  role: string | null;
  headers?: Record<string, string>;
  /** Request body per content type (text for CSV and NDJSON). */
  request?: Record<string, unknown>;
  /** Response body per status and content type. */
  responses: Record<string, Record<string, unknown>>;
}
export type Examples = Record<string, OperationExample>;

export const EXAMPLES: Examples = JSON.parse(readFileSync(new URL('./openapi-examples.json', import.meta.url), 'utf8')) as Examples;

const TEXT_BODIES: Record<string, Record<string, string>> = {
  replaceRoster: {
    'text/csv':
      'CSV (RFC 4180, UTF-8) with the header `nik,name,kpj,role,startDate,endDate` in any column order; `kpj` and `endDate` may be empty. ' +
      'Streamed, up to 512 MiB and 10,000 workers. A file with any bad line changes nothing: the 422 lists every bad line with its number. ' +
      'A header-only file (ending every assignment) needs `?confirmEmpty=true`.',
  },
  importMemberships: {
    'text/csv':
      'CSV with the header `nik,kpj,name,status,programs,coverageStart,coverageEnd,segment,projectNumber,employerNpp,asOf`; `programs` ' +
      'separated by `;` (e.g. `JKK;JKM`); empty cells are null. Streamed, up to 512 MiB.',
    'application/x-ndjson': 'NDJSON: one membership record (the JSON import\'s `records[i]`) per line. Streamed, up to 512 MiB.',
  },
  importRegistrations: {
    'text/csv':
      'CSV with the header `projectNumber,status,premiumPaid,asOf` and, optionally, ' +
      '`contractValue,premiumRequired,workersRegistered,coverageStart,coverageEnd` (any column order); empty optional cells are absent. Streamed.',
    'application/x-ndjson': 'NDJSON: one registration record (the JSON import\'s `records[i]`) per line. Streamed.',
  },
};

interface Media { schema?: unknown; example?: unknown; examples?: unknown }
interface Operation {
  operationId?: string;
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
}
interface Document { paths?: Record<string, Record<string, Operation>> }

/** Adds the recorded examples to every operation, and documents text bodies as text. */
export function addExamples<T>(document: T): T {
  const doc = document as unknown as Document;
  for (const methods of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(methods)) {
      const id = op.operationId ?? '';
      const recorded = EXAMPLES[id];
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        const text = TEXT_BODIES[id]?.[type];
        if (text) media.schema = { type: 'string', description: text };
        if (recorded?.request && type in recorded.request) media.example = recorded.request[type];
      }
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          const example = recorded?.responses[status]?.[type];
          if (example !== undefined) media.example = example;
        }
      }
    }
  }
  return document;
}
