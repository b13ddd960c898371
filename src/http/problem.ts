import { z } from 'zod';
import { fieldMessage } from './field-messages.ts';

export type Lang = 'id' | 'en';
type Text = { id: string; en: string };

/** Every problem code the API answers with, its status and its title in both languages. */
export const PROBLEMS = {
  MALFORMED_BODY: { status: 400, title: { id: 'Isi permintaan tidak dapat dibaca', en: 'Malformed request body' } },
  MALFORMED_REQUEST: { status: 400, title: { id: 'Permintaan HTTP tidak dapat dibaca', en: 'Malformed HTTP request' } },
  MALFORMED_URL: { status: 400, title: { id: 'Alamat (URL) permintaan tidak sah', en: 'Malformed request URL' } },
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, title: { id: 'Header Idempotency-Key wajib diisi', en: 'Idempotency-Key header required' } },
  UNAUTHORIZED: { status: 401, title: { id: 'Token akses tidak ada atau tidak sah', en: 'Missing or invalid access token' } },
  FORBIDDEN: { status: 403, title: { id: 'Peran Anda tidak diizinkan', en: 'Your role is not allowed to do this' } },
  NOT_FOUND: { status: 404, title: { id: 'Tidak ditemukan', en: 'Not found' } },
  CONTRACTOR_EXISTS: { status: 409, title: { id: 'Penyedia dengan NIB ini sudah terdaftar', en: 'A contractor with this NIB exists' } },
  OPD_EXISTS: { status: 409, title: { id: 'Kode OPD sudah ada', en: 'OPD code already exists' } },
  PROJECT_EXISTS: { status: 409, title: { id: 'Kode paket sudah terdaftar', en: 'A project with this code exists' } },
  REGISTRATION_NUMBER_TAKEN: { status: 409, title: { id: 'Nomor pendaftaran BPJS dipakai paket lain', en: 'BPJS registration number used by another project' } },
  ASSIGNMENT_CANCELLED: { status: 409, title: { id: 'Penugasan sudah dibatalkan', en: 'Assignment already cancelled' } },
  WORKER_ALREADY_ON_ROSTER: { status: 409, title: { id: 'Pekerja sudah ada di daftar aktif', en: 'Worker already on the active roster' } },
  ALREADY_VOIDED: { status: 409, title: { id: 'Keputusan sudah dibatalkan', en: 'Decision already voided' } },
  NOT_VOIDABLE: { status: 409, title: { id: 'Hanya keputusan APPROVED yang dapat dibatalkan', en: 'Only APPROVED decisions can be voided' } },
  LIVE_PROVIDER_REQUIRED: { status: 409, title: { id: 'Verifikasi langsung memerlukan BPJS_PROVIDER=http', en: 'Live verification needs BPJS_PROVIDER=http' } },
  WITNESS_EXISTS: { status: 409, title: { id: 'Saksi dengan nama atau kunci ini sudah terdaftar', en: 'A witness with this name or key is registered' } },
  COSIGNATURE_EXISTS: { status: 409, title: { id: 'Saksi ini sudah menandatangani ukuran pohon ini', en: 'This witness already cosigned this tree size' } },
  SAME_PERSON: { status: 403, title: { id: 'Pemohon tidak boleh menyetujui permohonannya sendiri', en: 'The requester may not decide their own request' } },
  OVERRIDE_PENDING: { status: 409, title: { id: 'Sudah ada permohonan override yang menunggu', en: 'An override request is already pending' } },
  OVERRIDE_DECIDED: { status: 409, title: { id: 'Permohonan override sudah diputuskan', en: 'The override request was already decided' } },
  OVERRIDE_EXPIRED: { status: 409, title: { id: 'Permohonan override sudah kedaluwarsa', en: 'The override request has expired' } },
  OVERRIDE_CONFLICT: { status: 409, title: { id: 'Tahap sudah disetujui atau nilai kontrak terlampaui', en: 'The stage was approved or the contract value would be exceeded' } },
  ALREADY_OVERRIDDEN: { status: 409, title: { id: 'Keputusan ini sudah di-override', en: 'This decision was already overridden' } },
  OVERRIDE_NOT_ALLOWED: { status: 422, title: { id: 'Keputusan ini tidak dapat di-override', en: 'This decision cannot be overridden' } },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, title: { id: 'Permintaan dengan kunci ini sedang diproses', en: 'A request with this key is in progress' } },
  REQUEST_TOO_SLOW: { status: 408, title: { id: 'Permintaan diterima terlalu lambat', en: 'The request arrived too slowly' } },
  PAYLOAD_TOO_LARGE: { status: 413, title: { id: 'Isi permintaan terlalu besar', en: 'Request body too large' } },
  URI_TOO_LONG: { status: 414, title: { id: 'Parameter alamat terlalu panjang', en: 'A path parameter is too long' } },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: { id: 'Jenis konten tidak didukung', en: 'Unsupported content type' } },
  NOT_ACCEPTABLE: { status: 406, title: { id: 'Format jawaban tidak tersedia', en: 'Response format not available' } },
  VALIDATION_FAILED: { status: 422, title: { id: 'Permintaan tidak valid', en: 'Validation failed' } },
  COSIGNATURE_INVALID: { status: 422, title: { id: 'Tanda tangan saksi tidak sah', en: 'The cosignature does not verify' } },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: { id: 'Kunci idempotensi dipakai untuk permintaan lain', en: 'Idempotency key reused with another body' } },
  RATE_LIMITED: { status: 429, title: { id: 'Terlalu banyak permintaan', en: 'Too many requests' } },
  HEADERS_TOO_LARGE: { status: 431, title: { id: 'Header permintaan terlalu besar', en: 'Request headers too large' } },
  INTERNAL_ERROR: { status: 500, title: { id: 'Terjadi kesalahan internal', en: 'Internal error' } },
  DATABASE_UNAVAILABLE: { status: 503, title: { id: 'Basis data sedang tidak tersedia', en: 'Database unavailable' } },
  AUTH_UNAVAILABLE: { status: 503, title: { id: 'Kunci penyedia identitas tidak dapat diambil', en: 'Identity provider keys unavailable' } },
  SERVICE_UNAVAILABLE: { status: 503, title: { id: 'Layanan sedang tidak tersedia', en: 'Service unavailable' } },
  AUDIT_TREE_INCOMPLETE: { status: 503, title: { id: 'Pohon Merkle log audit belum mencakup kepala log', en: 'The audit Merkle tree does not reach the head' } },
  OVERLOADED: { status: 503, title: { id: 'Layanan sedang kelebihan beban', en: 'Service overloaded' } },
  REQUEST_TIMEOUT: { status: 503, title: { id: 'Permintaan melewati batas waktu', en: 'Request timed out' } },
} as const satisfies Record<string, { status: number; title: Text }>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface FieldError {
  path: string;
  message: string;
  line?: number;
}

/** A domain error that the error handler turns into problem+json. */
export class AppError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly detailText: Text | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ProblemCode, options: { detail?: string | Text; errors?: FieldError[]; headers?: Record<string, string> } = {}) {
    const detail = typeof options.detail === 'string' ? { id: options.detail, en: options.detail } : options.detail;
    super(detail?.en ?? PROBLEMS[code].title.en);
    this.name = 'AppError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.detailText = detail;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export const validationFailed = (errors: FieldError[]): AppError =>
  new AppError('VALIDATION_FAILED', {
    detail: { id: `${errors.length} masalah ditemukan pada permintaan`, en: `${errors.length} problem(s) found in the request` },
    errors,
  });

export const notFound = (what: Text): AppError => new AppError('NOT_FOUND', { detail: what });

export function problemBody(code: ProblemCode, lang: Lang, detail?: Text, errors?: FieldError[]) {
  const spec = PROBLEMS[code];
  return {
    type: `urn:gerbang:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: spec.title[lang],
    status: spec.status as number,
    detail: (detail ?? spec.title)[lang],
    code,
    // Field messages are written in English and said in the request's language here.
    ...(errors ? { errors: errors.map((e) => ({ ...e, message: fieldMessage(e.message, lang) })) } : {}),
  };
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().describe('Machine-readable code (UPPER_SNAKE); never changes with the language'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string(), line: z.number().int().optional() }))
      .optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** Response schemas for the error statuses a route can answer with, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, typeof problemSchema> {
  return Object.fromEntries(statuses.map((s) => [s, problemSchema]));
}

export function languageOf(acceptLanguage: string | string[] | undefined): Lang {
  const value = Array.isArray(acceptLanguage) ? acceptLanguage[0] : acceptLanguage;
  return value && /^\s*en\b/i.test(value) ? 'en' : 'id';
}
