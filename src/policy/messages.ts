// Human-readable text for reason codes and identifier rules, in Bahasa Indonesia (the default)
// and English. Codes are the stable contract; these sentences may be reworded freely.
import type { PolicyReason, PolicyResult, ReasonCode } from './types.ts';

export type Lang = 'id' | 'en';

export type IdentifierRule =
  | 'NIK_NOT_DIGITS' | 'NIK_LENGTH' | 'NIK_PROVINCE' | 'NIK_REGENCY' | 'NIK_DISTRICT'
  | 'NIK_BIRTH_DATE' | 'NIK_SERIAL'
  | 'KPJ_NOT_DIGITS' | 'KPJ_LENGTH'
  | 'NIB_NOT_DIGITS' | 'NIB_LENGTH'
  | 'NPWP_NOT_DIGITS' | 'NPWP_LENGTH' | 'NPWP_CHECK_DIGIT' | 'NPWP_NIK';

const IDENTIFIER_MESSAGES: Record<IdentifierRule, Record<Lang, string>> = {
  NIK_NOT_DIGITS: { id: 'NIK hanya boleh berisi angka', en: 'NIK must contain digits only' },
  NIK_LENGTH: { id: 'NIK harus 16 digit', en: 'NIK must be 16 digits' },
  NIK_PROVINCE: { id: 'Kode provinsi NIK (digit 1-2) tidak dikenal', en: 'NIK province code (digits 1-2) is not a known province' },
  NIK_REGENCY: { id: 'Kode kabupaten/kota NIK (digit 3-4) tidak boleh 00', en: 'NIK regency/city code (digits 3-4) must not be 00' },
  NIK_DISTRICT: { id: 'Kode kecamatan NIK (digit 5-6) tidak boleh 00', en: 'NIK district code (digits 5-6) must not be 00' },
  NIK_BIRTH_DATE: { id: 'Tanggal lahir NIK (digit 7-12, DDMMYY, perempuan +40 pada tanggal) tidak valid', en: 'NIK birth date (digits 7-12, DDMMYY, women add 40 to the day) is not a real date' },
  NIK_SERIAL: { id: 'Nomor urut NIK (digit 13-16) tidak boleh 0000', en: 'NIK serial (digits 13-16) must not be 0000' },
  KPJ_NOT_DIGITS: { id: 'Nomor KPJ hanya boleh berisi angka', en: 'KPJ must contain digits only' },
  KPJ_LENGTH: { id: 'Nomor KPJ harus 11 digit', en: 'KPJ must be 11 digits' },
  NIB_NOT_DIGITS: { id: 'NIB hanya boleh berisi angka', en: 'NIB must contain digits only' },
  NIB_LENGTH: { id: 'NIB harus 13 digit', en: 'NIB must be 13 digits' },
  NPWP_NOT_DIGITS: { id: 'NPWP hanya boleh berisi angka, titik, tanda hubung dan spasi', en: 'NPWP may contain only digits, dots, dashes and spaces' },
  NPWP_LENGTH: { id: 'NPWP harus 15 atau 16 digit', en: 'NPWP must be 15 or 16 digits' },
  NPWP_CHECK_DIGIT: { id: 'Digit pemeriksa NPWP (digit ke-9 bentuk 15 digit) tidak sesuai', en: 'NPWP check digit (9th digit of the 15-digit form) does not match' },
  NPWP_NIK: { id: 'NPWP 16 digit yang tidak diawali 0 harus berupa NIK yang valid', en: 'A 16-digit NPWP not starting with 0 must be a valid NIK' },
};

export function identifierMessage(rule: IdentifierRule, lang: Lang = 'id'): string {
  return IDENTIFIER_MESSAGES[rule][lang];
}

export interface MessageParams {
  count?: number; // workers listed in the reason
  stage?: string | null;
  paid?: number;
  requiredForPayment?: number;
  shortfall?: number;
  premiumRequiredBpjs?: number; // PREMIUM_FIGURE_MISMATCH
  premiumComputed?: number;
  amount?: number; // AMOUNT_EXCEEDS_CONTRACT
  approvedTotal?: number;
  contractValue?: number;
}

function rupiah(amount: number, lang: Lang): string {
  const grouped = String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, lang === 'id' ? '.' : ',');
  return lang === 'id' ? `Rp${grouped}` : `IDR ${grouped}`;
}

function workersId(count: number | undefined): string {
  return count === undefined ? 'Sejumlah pekerja' : `${count} pekerja`;
}

function workersEn(count: number | undefined, singular: string, plural: string): string {
  if (count === undefined) return `Some workers ${plural}`;
  return count === 1 ? `1 worker ${singular}` : `${count} workers ${plural}`;
}

const REASON_MESSAGES: Record<ReasonCode, Record<Lang, (p: MessageParams) => string>> = {
  PROJECT_NOT_REGISTERED: {
    id: () => 'Proyek belum terdaftar sebagai peserta Jasa Konstruksi BPJS Ketenagakerjaan (belum ada nomor pendaftaran, tidak dikenal BPJS, atau masih berstatus mendaftar).',
    en: () => 'The project is not a BPJS Ketenagakerjaan construction participant (no registration number, unknown to BPJS, or still only registering).',
  },
  EMPTY_ROSTER: {
    id: () => 'Tidak ada pekerja dalam daftar yang bekerja pada periode yang dibayar.',
    en: () => 'No worker on the roster worked during the period this payment covers.',
  },
  WORKER_NOT_FOUND: {
    id: (p) => `${workersId(p.count)} tidak terdaftar di BPJS Ketenagakerjaan.`,
    en: (p) => `${workersEn(p.count, 'has', 'have')} no BPJS Ketenagakerjaan membership.`,
  },
  MEMBERSHIP_INACTIVE: {
    id: (p) => `${workersId(p.count)} tidak memiliki kepesertaan aktif.`,
    en: (p) => `${workersEn(p.count, 'does', 'do')} not have an active membership.`,
  },
  PROGRAM_MISSING: {
    id: (p) => `${workersId(p.count)} tidak terlindungi program JKK dan JKM sekaligus.`,
    en: (p) => `${workersEn(p.count, 'is', 'are')} not covered by both JKK and JKM.`,
  },
  COVERAGE_LAPSED: {
    id: (p) => `Masa perlindungan ${workersId(p.count).toLowerCase()} tidak mencakup hari kerja terakhirnya dalam periode ini.`,
    en: (p) => `${workersEn(p.count, 'is', 'are')} not covered on their last day of work in the period.`,
  },
  OTHER_PROJECT_COVERAGE: {
    id: (p) => `${workersId(p.count)} hanya terlindungi melalui pendaftaran Jasa Konstruksi proyek lain.`,
    en: (p) => `${workersEn(p.count, 'is', 'are')} covered only through another construction project's registration.`,
  },
  OTHER_EMPLOYER_COVERAGE: {
    id: (p) => `${workersId(p.count)} hanya terlindungi sebagai pekerja penerima upah pemberi kerja lain.`,
    en: (p) => `${workersEn(p.count, 'is', 'are')} covered only as a wage earner of another employer.`,
  },
  EMPLOYER_NUMBER_MISSING: {
    id: (p) => `${workersId(p.count)} hanya dapat terlindungi sebagai pekerja penerima upah penyedia jasa, tetapi nomor pendaftaran pemberi kerja (NPP) penyedia jasa belum dicatat.`,
    en: (p) => `${workersEn(p.count, 'could', 'could')} be covered only through a wage-earner (PU) membership with the contractor, but the contractor's BPJS employer number (NPP) is not recorded.`,
  },
  KPJ_MISMATCH: {
    id: (p) => `Nomor KPJ ${workersId(p.count).toLowerCase()} di daftar pekerja berbeda dengan data BPJS Ketenagakerjaan.`,
    en: (p) => `${workersEn(p.count, 'has', 'have')} a KPJ on the roster that differs from BPJS Ketenagakerjaan's.`,
  },
  MEMBERSHIP_UNVERIFIED: {
    id: (p) => `Status kepesertaan ${workersId(p.count).toLowerCase()} belum dapat diverifikasi dengan data terkini; coba lagi nanti.`,
    en: (p) => `${workersEn(p.count, 'has', 'have')} a membership status that could not be verified with fresh data; try again later.`,
  },
  PROJECT_UNVERIFIED: {
    id: () => 'Status pendaftaran proyek di BPJS Ketenagakerjaan belum dapat diverifikasi; coba lagi nanti. Iuran belum dinilai.',
    en: () => "The project's BPJS Ketenagakerjaan registration could not be verified; try again later. The premium was not judged.",
  },
  STAGE_ALREADY_APPROVED: {
    id: (p) => `Tahap ${p.stage ?? 'ini'} proyek ini sudah memiliki keputusan disetujui yang belum dibatalkan.`,
    en: (p) => `Stage ${p.stage ?? 'this'} of this project already has an approved decision that has not been voided.`,
  },
  AMOUNT_EXCEEDS_CONTRACT: {
    id: (p) => p.amount === undefined || p.approvedTotal === undefined || p.contractValue === undefined
      ? 'Jumlah pembayaran yang sudah disetujui ditambah pembayaran ini melebihi nilai kontrak.'
      : `Pembayaran yang sudah disetujui (${rupiah(p.approvedTotal, 'id')}) ditambah pembayaran ini (${rupiah(p.amount, 'id')}) melebihi nilai kontrak (${rupiah(p.contractValue, 'id')}).`,
    en: (p) => p.amount === undefined || p.approvedTotal === undefined || p.contractValue === undefined
      ? 'The approved payments plus this one exceed the contract value.'
      : `The approved payments (${rupiah(p.approvedTotal, 'en')}) plus this one (${rupiah(p.amount, 'en')}) exceed the contract value (${rupiah(p.contractValue, 'en')}).`,
  },
  PREMIUM_SHORTFALL: {
    id: (p) => p.requiredForPayment === undefined || p.paid === undefined
      ? 'Iuran yang sudah dibayar kurang dari yang disyaratkan untuk pembayaran ini.'
      : `Iuran yang sudah dibayar (${rupiah(p.paid, 'id')}) kurang dari yang disyaratkan untuk pembayaran ini (${rupiah(p.requiredForPayment, 'id')}); kekurangan ${rupiah(p.shortfall ?? p.requiredForPayment - p.paid, 'id')}.`,
    en: (p) => p.requiredForPayment === undefined || p.paid === undefined
      ? 'The premium paid is below what this payment requires.'
      : `The premium paid (${rupiah(p.paid, 'en')}) is below what this payment requires (${rupiah(p.requiredForPayment, 'en')}); ${rupiah(p.shortfall ?? p.requiredForPayment - p.paid, 'en')} short.`,
  },
  PREMIUM_FIGURE_MISMATCH: {
    id: (p) => p.premiumRequiredBpjs === undefined || p.premiumComputed === undefined
      ? 'Iuran yang ditetapkan BPJS Ketenagakerjaan berbeda dengan hasil perhitungan; angka BPJS yang digunakan.'
      : `Iuran yang ditetapkan BPJS Ketenagakerjaan (${rupiah(p.premiumRequiredBpjs, 'id')}) berbeda dengan hasil perhitungan dari nilai kontrak (${rupiah(p.premiumComputed, 'id')}); angka BPJS yang digunakan.`,
    en: (p) => p.premiumRequiredBpjs === undefined || p.premiumComputed === undefined
      ? "BPJS Ketenagakerjaan's required premium differs from the computed one; BPJS's figure is used."
      : `BPJS Ketenagakerjaan's required premium (${rupiah(p.premiumRequiredBpjs, 'en')}) differs from the one computed from the contract value (${rupiah(p.premiumComputed, 'en')}); BPJS's figure is used.`,
  },
  COVERAGE_EXPIRING_SOON: {
    id: (p) => `Masa perlindungan ${workersId(p.count).toLowerCase()} berakhir dalam 14 hari setelah tanggal pembayaran.`,
    en: (p) => `${workersEn(p.count, 'has', 'have')} coverage ending within 14 days after the value date.`,
  },
  COVERAGE_STARTED_LATE: {
    id: (p) => `Perlindungan ${workersId(p.count).toLowerCase()} dimulai lebih dari 30 hari setelah mulai bekerja.`,
    en: (p) => `${workersEn(p.count, 'was', 'were')} covered only from more than 30 days after starting work.`,
  },
  SELF_PAID_COVERAGE: {
    id: (p) => `${workersId(p.count)} hanya terlindungi melalui kepesertaan Bukan Penerima Upah (BPU) yang dibayar sendiri: syarat terpenuhi, tetapi kewajiban penyedia jasa beralih kepada pekerja.`,
    en: (p) => `${workersEn(p.count, 'is', 'are')} covered only through their own self-paid (BPU) membership: the rule is met, but the contractor has shifted its duty onto the worker.`,
  },
  ROSTER_CORRECTED: {
    id: (p) => `Penugasan ${workersId(p.count).toLowerCase()} dikoreksi sejak pembayaran terakhir yang disetujui, sehingga hari penilaiannya berubah atau ia tidak lagi diperiksa; periksa alasan koreksinya.`,
    en: (p) => `${workersEn(p.count, 'had an assignment', 'had assignments')} corrected since the last approved payment, changing the day they are judged on or taking them out of the check; review the reasons.`,
  },
};

export function reasonMessage(code: ReasonCode, lang: Lang = 'id', params: MessageParams = {}): string {
  return REASON_MESSAGES[code][lang](params);
}

// The message for a reason of a result, with its counts and amounts filled in.
export function explainReason(reason: PolicyReason, result: PolicyResult, lang: Lang = 'id'): string {
  const { premium } = result;
  return reasonMessage(reason.code, lang, {
    ...(reason.workers === undefined ? {} : { count: reason.workers.length }),
    stage: result.stage,
    ...(premium.paid === null ? {} : { paid: premium.paid }),
    requiredForPayment: premium.requiredForPayment,
    shortfall: premium.shortfall,
    ...reason.params,
  });
}
