// The dashboard speaks Bahasa Indonesia by default and English when the reader switches (a
// cookie). Both sentences sit side by side where they are used, so neither can be forgotten.
import type { Lang } from '../http/problem.ts';

export type { Lang };

export type Tr = (id: string, en: string) => string;

export const translator = (lang: Lang): Tr => (id, en) => (lang === 'en' ? en : id);

export const LANG_COOKIE = 'gerbang_lang';

export function langOf(cookie: string | undefined): Lang {
  return cookie === 'en' ? 'en' : 'id';
}

export function rupiah(amount: number | null | undefined, lang: Lang): string {
  if (amount === null || amount === undefined) return '-';
  const grouped = String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, lang === 'id' ? '.' : ',');
  return `Rp${grouped}`;
}

/** Short amounts for chart labels: Rp1,2 M (miliar) / Rp1.2 B. */
export function shortRupiah(amount: number, lang: Lang): string {
  const units = lang === 'id' ? [[1e12, 'T'], [1e9, 'M'], [1e6, 'jt'], [1e3, 'rb']] : [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [size, unit] of units as Array<[number, string]>) {
    if (amount >= size) {
      const v = (amount / size).toFixed(amount / size >= 10 ? 0 : 1);
      return `Rp${lang === 'id' ? v.replace('.', ',') : v} ${unit}`;
    }
  }
  return `Rp${amount}`;
}

const MONTHS = {
  id: ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'],
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
};

/** 2026-12-07 -> "7 Des 2026". */
export function dateText(date: string | null | undefined, lang: Lang): string {
  if (!date) return '-';
  const [y, m, d] = date.slice(0, 10).split('-');
  return `${Number(d)} ${MONTHS[lang][Number(m) - 1] ?? m} ${y}`;
}

/** An instant shown in the deployment's zone: "7 Des 2026 13:05". */
export function instantText(iso: string | null | undefined, lang: Lang, timeZone: string): string {
  if (!iso) return '-';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${dateText(`${get('year')}-${get('month')}-${get('day')}`, lang)} ${get('hour')}:${get('minute')}`;
}

/** What the PPK should do about each reason, in the words of the office, not of the code. */
const NEXT_STEPS: Record<string, { id: string; en: string }> = {
  PROJECT_NOT_REGISTERED: {
    id: 'Daftarkan paket ke BPJS Ketenagakerjaan (program Jasa Konstruksi) dan isi nomor pendaftarannya di data paket.',
    en: 'Register the project with BPJS Ketenagakerjaan (construction programme) and enter its registration number in the project data.',
  },
  PROJECT_UNVERIFIED: {
    id: 'Status pendaftaran paket belum dapat dipastikan. Jalankan "Periksa ke BPJS" atau minta admin mengimpor data terbaru.',
    en: 'The registration could not be confirmed. Run "Check with BPJS" or ask the admin to import fresh data.',
  },
  EMPTY_ROSTER: {
    id: 'Unggah daftar pekerja (CSV) yang bekerja pada periode pembayaran ini.',
    en: 'Upload the roster (CSV) of the workers who worked during this payment period.',
  },
  WORKER_NOT_FOUND: {
    id: 'Minta penyedia jasa mendaftarkan pekerja ini ke BPJS Ketenagakerjaan, lalu periksa ulang.',
    en: 'Ask the contractor to enrol this worker with BPJS Ketenagakerjaan, then check again.',
  },
  MEMBERSHIP_INACTIVE: {
    id: 'Kepesertaan pekerja tidak aktif: minta penyedia jasa mengaktifkan kembali dan membayar iurannya.',
    en: 'The membership is inactive: ask the contractor to reactivate it and pay the contribution.',
  },
  PROGRAM_MISSING: {
    id: 'Pekerja harus ikut program JKK dan JKM: minta penyedia jasa menambahkan program yang kurang.',
    en: 'The worker needs both JKK and JKM: ask the contractor to add the missing programme.',
  },
  COVERAGE_LAPSED: {
    id: 'Masa perlindungan sudah habis atau belum mulai pada hari kerja terakhirnya: minta perpanjangan kepesertaan, atau koreksi tanggal penugasan bila keliru.',
    en: 'The coverage did not include the worker\'s last day: ask for the coverage to be extended, or correct the assignment dates if they are wrong.',
  },
  OTHER_PROJECT_COVERAGE: {
    id: 'Pekerja hanya terdaftar pada paket lain: daftarkan pekerja pada pendaftaran Jakon paket ini.',
    en: 'The worker is covered only under another project: add them to this project\'s Jakon registration.',
  },
  OTHER_EMPLOYER_COVERAGE: {
    id: 'Pekerja terdaftar sebagai karyawan pemberi kerja lain: daftarkan pada paket ini atau pada penyedia jasa ini.',
    en: 'The worker is covered as another employer\'s employee: enrol them under this project or this contractor.',
  },
  KPJ_MISMATCH: {
    id: 'Nomor KPJ di daftar pekerja berbeda dengan data BPJS: perbaiki KPJ di CSV dan unggah ulang.',
    en: 'The roster\'s KPJ differs from BPJS\'s: fix the KPJ in the CSV and upload it again.',
  },
  MEMBERSHIP_UNVERIFIED: {
    id: 'Data BPJS pekerja ini belum ada atau sudah lama: jalankan "Periksa ke BPJS" atau minta admin mengimpor data kepesertaan terbaru.',
    en: 'BPJS data for this worker is missing or too old: run "Check with BPJS" or ask the admin to import a fresh membership snapshot.',
  },
  STAGE_ALREADY_APPROVED: {
    id: 'Tahap ini sudah disetujui. Ajukan tahap berikutnya.',
    en: 'This stage is already approved. Request the next stage.',
  },
  PREMIUM_SHORTFALL: {
    id: 'Iuran BPJS yang dibayar belum cukup: minta penyedia jasa melunasi kekurangan, lalu catat pembayaran di data paket.',
    en: 'Not enough premium has been paid: ask the contractor to pay the shortfall, then record the payment in the project data.',
  },
  EMPLOYER_NUMBER_MISSING: {
    id: 'Nomor pendaftaran pemberi kerja (NPP) penyedia jasa belum tercatat: minta admin melengkapinya.',
    en: 'The contractor\'s employer number (NPP) is not recorded: ask the admin to add it.',
  },
  AMOUNT_EXCEEDS_CONTRACT: {
    id: 'Jumlah pembayaran melebihi nilai kontrak: periksa jumlahnya atau catat adendum kontrak.',
    en: 'The payment would exceed the contract value: check the amount or record the contract addendum.',
  },
  COVERAGE_EXPIRING_SOON: {
    id: 'Perlindungan segera berakhir: minta penyedia jasa memperpanjang sebelum pembayaran berikutnya.',
    en: 'Coverage ends soon: ask the contractor to extend it before the next payment.',
  },
  COVERAGE_STARTED_LATE: {
    id: 'Pekerja sempat bekerja tanpa perlindungan: ingatkan penyedia jasa untuk mendaftarkan pekerja sejak hari pertama.',
    en: 'The worker worked uninsured for a while: remind the contractor to enrol workers from their first day.',
  },
  SELF_PAID_COVERAGE: {
    id: 'Pekerja hanya dilindungi kepesertaan mandiri (BPU): kewajiban penyedia jasa dialihkan ke pekerja.',
    en: 'The worker is covered only by their own self-paid (BPU) membership: the contractor shifted its duty.',
  },
  PREMIUM_FIGURE_MISMATCH: {
    id: 'Angka iuran BPJS berbeda dengan hitungan Gerbang: periksa nilai kontrak dan data pendaftaran.',
    en: 'BPJS\'s premium figure differs from Gerbang\'s: check the contract value and the registration data.',
  },
  ROSTER_CORRECTED: {
    id: 'Penugasan pekerja ini dikoreksi setelah pembayaran terakhir: pastikan koreksinya benar.',
    en: 'This worker\'s assignment was corrected after the last payment: make sure the correction is right.',
  },
};

export function nextStep(code: string, lang: Lang): string | null {
  return NEXT_STEPS[code]?.[lang] ?? null;
}
