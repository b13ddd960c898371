// Pictures drawn on the server as inline SVG: no client code, no build step, and each one has a
// text title and a data table beside it for screen readers.
import { html, type Html } from './html.ts';
import { shortRupiah, type Lang, type Tr } from './i18n.ts';

export const REASON_LABELS: Record<string, { id: string; en: string }> = {
  PROJECT_NOT_REGISTERED: { id: 'Paket belum terdaftar di BPJS', en: 'Project not registered with BPJS' },
  PROJECT_UNVERIFIED: { id: 'Pendaftaran paket belum terverifikasi', en: 'Project registration unverified' },
  EMPTY_ROSTER: { id: 'Daftar pekerja kosong', en: 'Empty roster' },
  WORKER_NOT_FOUND: { id: 'Pekerja tidak terdaftar di BPJS', en: 'Worker unknown to BPJS' },
  MEMBERSHIP_INACTIVE: { id: 'Kepesertaan tidak aktif', en: 'Membership inactive' },
  PROGRAM_MISSING: { id: 'Tanpa JKK dan JKM', en: 'JKK or JKM missing' },
  COVERAGE_LAPSED: { id: 'Perlindungan tidak berlaku', en: 'Coverage lapsed' },
  OTHER_PROJECT_COVERAGE: { id: 'Terdaftar di paket lain', en: 'Covered by another project' },
  OTHER_EMPLOYER_COVERAGE: { id: 'Terdaftar di pemberi kerja lain', en: 'Covered by another employer' },
  KPJ_MISMATCH: { id: 'KPJ tidak cocok', en: 'KPJ mismatch' },
  MEMBERSHIP_UNVERIFIED: { id: 'Kepesertaan belum terverifikasi', en: 'Membership unverified' },
  STAGE_ALREADY_APPROVED: { id: 'Tahap sudah disetujui', en: 'Stage already approved' },
  PREMIUM_SHORTFALL: { id: 'Iuran kurang bayar', en: 'Premium shortfall' },
  EMPLOYER_NUMBER_MISSING: { id: 'NPP penyedia belum ada', en: 'Employer number missing' },
  AMOUNT_EXCEEDS_CONTRACT: { id: 'Melebihi nilai kontrak', en: 'Exceeds contract value' },
  COVERAGE_EXPIRING_SOON: { id: 'Perlindungan segera berakhir', en: 'Coverage expiring soon' },
  COVERAGE_STARTED_LATE: { id: 'Perlindungan terlambat mulai', en: 'Coverage started late' },
  SELF_PAID_COVERAGE: { id: 'Hanya kepesertaan mandiri', en: 'Self-paid coverage only' },
  PREMIUM_FIGURE_MISMATCH: { id: 'Angka iuran berbeda', en: 'Premium figures differ' },
  ROSTER_CORRECTED: { id: 'Penugasan dikoreksi', en: 'Assignment corrected' },
};

export const reasonLabel = (code: string, lang: Lang): string => REASON_LABELS[code]?.[lang] ?? code;

export interface WeekPoint {
  week: string;
  approved: { count: number; amount: number };
  blocked: { count: number; amount: number };
}

const W = 400;
const GREEN = '#1f8a5b';
const RED = '#c62828';

/** Grouped bars per week: approved and blocked amounts, the counts written above the bars. */
export function decisionsChart(points: WeekPoint[], lang: Lang, t: Tr, id: string): Html {
  const H = 200;
  const left = 58;
  const bottom = 28;
  const top = 14;
  const plotH = H - bottom - top;
  const max = Math.max(1, ...points.map((p) => Math.max(p.approved.amount, p.blocked.amount)));
  const slot = (W - left - 4) / Math.max(1, points.length);
  const barW = Math.max(3, slot * 0.36);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const grid = [0, 0.5, 1].map((f) => html`
    <line x1="${left}" x2="${W - 2}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#d9dde3" />
    <text x="${left - 4}" y="${y(max * f) + 3}" text-anchor="end" font-size="11">${shortRupiah(Math.round(max * f), lang)}</text>`);
  const bars = points.map((p, i) => {
    const x = left + i * slot + slot * 0.12;
    const [dd, mm] = [p.week.slice(8, 10), p.week.slice(5, 7)];
    const bar = (v: number, n: number, dx: number, color: string, label: string) => v === 0 && n === 0 ? null : html`
      <rect x="${x + dx}" y="${y(v)}" width="${barW}" height="${Math.max(1, top + plotH - y(v))}" fill="${color}"><title>${label}</title></rect>
      <text x="${x + dx + barW / 2}" y="${y(v) - 2}" text-anchor="middle" font-size="10">${n}</text>`;
    return html`
      ${bar(p.approved.amount, p.approved.count, 0, GREEN, `${p.week}: ${p.approved.count} ${t('disetujui', 'approved')}, ${shortRupiah(p.approved.amount, lang)}`)}
      ${bar(p.blocked.amount, p.blocked.count, barW + 1, RED, `${p.week}: ${p.blocked.count} ${t('diblokir', 'blocked')}, ${shortRupiah(p.blocked.amount, lang)}`)}
      ${i % 2 === 0 ? html`<text x="${x + barW}" y="${H - bottom + 14}" text-anchor="middle" font-size="10">${Number(dd)}/${Number(mm)}</text>` : null}`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" font-size="11" role="img" aria-labelledby="${id}-title" style="max-width:34rem">
    <title id="${id}-title">${t('Keputusan per minggu: jumlah rupiah disetujui (hijau) dan diblokir (merah); angka di atas batang = banyaknya keputusan', 'Decisions per week: rupiah approved (green) and blocked (red); the number above a bar = how many decisions')}</title>
    ${grid}${bars}
    <line x1="${left}" x2="${W - 2}" y1="${top + plotH}" y2="${top + plotH}" stroke="#4a525c" />
  </svg>`;
}

/** Horizontal bars: how many blocked decisions each reason stopped. */
export function reasonsChart(reasons: Array<{ code: string; decisions: number }>, lang: Lang, t: Tr, id: string): Html {
  const row = 30;
  const H = Math.max(1, reasons.length) * row + 6;
  const max = Math.max(1, ...reasons.map((r) => r.decisions));
  const bars = reasons.map((r, i) => {
    const yy = i * row + 4;
    const w = ((W - 50) * r.decisions) / max;
    return html`
      <text x="0" y="${yy + 10}" font-size="11">${reasonLabel(r.code, lang)}</text>
      <rect x="0" y="${yy + 14}" width="${Math.max(2, w)}" height="10" rx="2" fill="${RED}" />
      <text x="${Math.max(2, w) + 4}" y="${yy + 23}" font-size="11">${r.decisions}</text>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" font-size="11" role="img" aria-labelledby="${id}-title" style="max-width:34rem">
    <title id="${id}-title">${t('Alasan pemblokiran terbanyak (banyaknya keputusan diblokir)', 'Most frequent block reasons (number of blocked decisions)')}</title>
    ${bars}
  </svg>`;
}

/** The per-project bar: compliant / non-compliant / unverified workers (HTML, scales with text). */
export function workersBar(summary: { compliant: number; nonCompliant: number; unverified: number }, t: Tr): Html {
  const total = summary.compliant + summary.nonCompliant + summary.unverified;
  const pct = (n: number) => (total === 0 ? 0 : (n * 100) / total);
  const label = `${summary.compliant} ${t('patuh', 'compliant')}, ${summary.nonCompliant} ${t('tidak patuh', 'non-compliant')}, ${summary.unverified} ${t('belum terverifikasi', 'unverified')}`;
  return html`<div class="stackbar" role="img" aria-label="${label}" title="${label}">
    <span class="s-ok" style="width:${pct(summary.compliant).toFixed(2)}%"></span><span class="s-bad" style="width:${pct(summary.nonCompliant).toFixed(2)}%"></span><span class="s-unk" style="width:${pct(summary.unverified).toFixed(2)}%"></span>
  </div>`;
}
