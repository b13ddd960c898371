// The Inspektorat's pages: the overview with its charts, decisions with their evidence, receipt
// and replay, and the audit chain's verification and exports.
import { decisionsChart, reasonLabel, reasonsChart, type WeekPoint } from './charts.ts';
import { html, type Html } from './html.ts';
import { dateText, instantText, nextStep, rupiah, shortRupiah } from './i18n.ts';
import { layout, type PageCtx } from './layout.ts';
import { decisionBadge } from './pages-projects.ts';
import type { ContractorBlocks, ReasonCount, WeekBucket } from './repository.ts';

export interface OverviewData {
  from: string;
  today: string;
  weeks: WeekBucket[];
  reasons: ReasonCount[];
  contractors: ContractorBlocks[];
  opds: Array<{ code: string; name: string }>;
}

/** Every week from `from` to today, zero where nothing was decided. */
export function weekPoints(from: string, today: string, buckets: WeekBucket[]): WeekPoint[] {
  const points = new Map<string, WeekPoint>();
  for (let d = new Date(`${from}T00:00:00Z`); d.toISOString().slice(0, 10) <= today; d = new Date(d.getTime() + 7 * 86_400_000)) {
    const week = d.toISOString().slice(0, 10);
    points.set(week, { week, approved: { count: 0, amount: 0 }, blocked: { count: 0, amount: 0 } });
  }
  for (const b of buckets) {
    const p = points.get(b.week);
    if (!p) continue;
    const slot = b.decision === 'APPROVED' ? p.approved : p.blocked;
    slot.count += b.count;
    slot.amount += Number(b.amount);
  }
  return [...points.values()];
}

export function overviewPage(c: PageCtx, d: OverviewData, opdCode: string | undefined): Html {
  const { t, lang } = c;
  const points = weekPoints(d.from, d.today, d.weeks);
  const perOpd = new Map<string, { approved: number; approvedAmount: number; blocked: number; blockedAmount: number }>();
  for (const b of d.weeks) {
    const o = perOpd.get(b.opdCode) ?? { approved: 0, approvedAmount: 0, blocked: 0, blockedAmount: 0 };
    if (b.decision === 'APPROVED') { o.approved += b.count; o.approvedAmount += Number(b.amount); } else { o.blocked += b.count; o.blockedAmount += Number(b.amount); }
    perOpd.set(b.opdCode, o);
  }
  const totals = points.reduce((s, p) => ({ a: s.a + p.approved.count, aa: s.aa + p.approved.amount, b: s.b + p.blocked.count, ba: s.ba + p.blocked.amount }), { a: 0, aa: 0, b: 0, ba: 0 });
  return layout(c, t('Ringkasan Inspektorat', 'Inspektorat overview'), html`
    <form class="row card" method="get" action="/app">
      <label for="opd" style="margin:0">OPD</label>
      <select id="opd" name="opd" style="width:auto;max-width:100%">
        <option value="">${t('Semua OPD', 'All OPDs')}</option>
        ${d.opds.map((o) => html`<option value="${o.code}" ${o.code === opdCode ? html`selected` : null}>${o.code} - ${o.name}</option>`)}
      </select>
      <button type="submit" class="secondary">${t('Tampilkan', 'Show')}</button>
    </form>
    <div class="grid">
      <div class="card"><p class="muted small" style="margin:0">${t('Disetujui', 'Approved')}</p><p style="margin:0;font-size:1.3rem"><strong>${totals.a}</strong> · ${shortRupiah(totals.aa, lang)}</p></div>
      <div class="card"><p class="muted small" style="margin:0">${t('Diblokir', 'Blocked')}</p><p style="margin:0;font-size:1.3rem"><strong>${totals.b}</strong> · ${shortRupiah(totals.ba, lang)}</p></div>
    </div>
    <section class="card" aria-labelledby="chart-h">
      <h2 id="chart-h" style="margin-top:0">${t('Keputusan per minggu', 'Decisions per week')} <span class="small muted">${dateText(d.from, lang)} – ${dateText(d.today, lang)}</span></h2>
      <div class="legend"><span><i style="background:#1f8a5b"></i>${t('disetujui (Rp)', 'approved (Rp)')}</span><span><i style="background:#c62828"></i>${t('diblokir (Rp)', 'blocked (Rp)')}</span></div>
      ${decisionsChart(points, lang, t, 'weeks')}
      <details><summary>${t('Tabel per OPD', 'Table per OPD')}</summary>
        <table class="stack"><thead><tr><th scope="col">OPD</th><th scope="col" class="num">${t('Disetujui', 'Approved')}</th><th scope="col" class="num">${t('Diblokir', 'Blocked')}</th></tr></thead>
        <tbody>${[...perOpd.entries()].map(([code, o]) => html`<tr><td data-label="OPD">${code}</td>
          <td data-label="${t('Disetujui', 'Approved')}" class="num">${o.approved} · ${rupiah(o.approvedAmount, lang)}</td>
          <td data-label="${t('Diblokir', 'Blocked')}" class="num">${o.blocked} · ${rupiah(o.blockedAmount, lang)}</td></tr>`)}</tbody></table>
      </details>
    </section>
    <section class="card" aria-labelledby="reasons-h">
      <h2 id="reasons-h" style="margin-top:0">${t('Alasan pemblokiran terbanyak', 'Reasons that block most')}</h2>
      ${d.reasons.length === 0 ? html`<p class="muted">${t('Belum ada keputusan diblokir pada periode ini.', 'No blocked decisions in this period.')}</p>` : html`
        ${reasonsChart(d.reasons, lang, t, 'reasons')}
        <details><summary>${t('Penjelasan', 'Explanation')}</summary><ul>
          ${d.reasons.map((r) => html`<li><strong>${reasonLabel(r.code, lang)}</strong> (${r.code}): ${r.decisions} ${t('keputusan', 'decisions')}, ${r.projects} ${t('paket', 'projects')}. ${nextStep(r.code, lang) ?? ''}</li>`)}
        </ul></details>`}
    </section>
    <section aria-labelledby="contractors-h">
      <h2 id="contractors-h">${t('Penyedia jasa dengan pembayaran paling sering diblokir', 'Contractors with the most blocked payments')}</h2>
      ${d.contractors.length === 0 ? html`<p class="muted">${t('Tidak ada.', 'None.')}</p>` : html`<table class="stack">
        <thead><tr><th scope="col">${t('Penyedia', 'Contractor')}</th><th scope="col" class="num">${t('Diblokir', 'Blocked')}</th><th scope="col" class="num">${t('Nilai diblokir', 'Amount blocked')}</th><th scope="col" class="num">${t('Semua keputusan', 'All decisions')}</th><th scope="col" class="num">${t('Paket', 'Projects')}</th></tr></thead>
        <tbody>${d.contractors.map((x) => html`<tr><td data-label="${t('Penyedia', 'Contractor')}">${x.name}</td><td data-label="${t('Diblokir', 'Blocked')}" class="num">${x.blocked}</td>
          <td data-label="${t('Nilai diblokir', 'Amount blocked')}" class="num">${rupiah(Number(x.blockedAmount), lang)}</td><td data-label="${t('Semua keputusan', 'All decisions')}" class="num">${x.decisions}</td><td data-label="${t('Paket', 'Projects')}" class="num">${x.projects}</td></tr>`)}</tbody></table>`}
    </section>`, { active: '/app' });
}

export interface DecisionItem {
  id: string; projectCode: string; stage: string; amount: number; decision: string; decidedAt: string; requestRef: string;
  reasons: Array<{ code: string; severity: string }>; voided: unknown;
}

export function decisionsPage(c: PageCtx, items: DecisionItem[], filter: { decision?: string | undefined; next: string | null; query: string }): Html {
  const { t, lang } = c;
  return layout(c, t('Keputusan pencairan', 'Disbursement decisions'), html`
    <form class="row card" method="get" action="/app/decisions">
      <label for="decision" style="margin:0">${t('Keputusan', 'Decision')}</label>
      <select id="decision" name="decision" style="width:auto">
        <option value="">${t('Semua', 'All')}</option>
        <option value="APPROVED" ${filter.decision === 'APPROVED' ? html`selected` : null}>${t('Disetujui', 'Approved')}</option>
        <option value="BLOCKED" ${filter.decision === 'BLOCKED' ? html`selected` : null}>${t('Diblokir', 'Blocked')}</option>
      </select>
      <button type="submit" class="secondary">${t('Saring', 'Filter')}</button>
    </form>
    ${items.length === 0 ? html`<p>${t('Belum ada keputusan.', 'No decisions yet.')}</p>` : html`<table class="stack">
      <thead><tr><th scope="col">${t('Waktu', 'Time')}</th><th scope="col">${t('Paket / tahap', 'Project / stage')}</th><th scope="col" class="num">${t('Jumlah', 'Amount')}</th><th scope="col">${t('Keputusan', 'Decision')}</th></tr></thead>
      <tbody>${items.map((d) => html`<tr>
        <td data-label="${t('Waktu', 'Time')}"><a href="/app/decisions/${d.id}">${instantText(d.decidedAt, lang, c.timeZone)}</a></td>
        <td data-label="${t('Paket / tahap', 'Project / stage')}">${d.projectCode} · ${d.stage}<br><span class="small muted">${d.requestRef}</span></td>
        <td data-label="${t('Jumlah', 'Amount')}" class="num">${rupiah(d.amount, lang)}</td>
        <td data-label="${t('Keputusan', 'Decision')}">${decisionBadge(d.decision, t)}${d.voided ? html` <span class="badge unk">${t('dibatalkan', 'voided')}</span>` : null}<br><span class="small muted">${d.reasons.filter((r) => r.severity === 'block').map((r) => reasonLabel(r.code, lang)).join(', ')}</span></td>
      </tr>`)}</tbody></table>
      ${filter.next ? html`<p><a href="/app/decisions?${filter.query}${filter.query ? '&' : ''}cursor=${encodeURIComponent(filter.next)}">${t('Berikutnya', 'Next page')}</a></p>` : null}`}`,
  { active: '/app/decisions' });
}

export interface DecisionDetail {
  id: string; projectId: string; projectCode: string; stage: string; amount: number; requestRef: string; final: boolean;
  decision: string; valueDate: string; decidedAt: string; auditSeq: number | null; evidenceSha256: string;
  period: { from: string; to: string }; policy: { id: string; version: number };
  summary: { workersChecked: number; compliant: number; nonCompliant: number; unverified: number };
  reasons: Array<{ code: string; severity: string; message: string; workers?: Array<{ nik: string; name?: string | undefined }> | undefined }>;
  voided: { at: string; by: string; reason: string } | null;
  evidence: Array<{ assignmentId: string; nik: string; name?: string | undefined; outcome: string; codes: string[]; verifiedAt: string | null;
    membership: { status?: string | null; programs?: string[]; coverageEnd?: string | null } | null }>;
}

export function decisionPage(c: PageCtx, d: DecisionDetail): Html {
  const { t, lang } = c;
  const outcomeBadge = (o: string) => o === 'COMPLIANT' ? html`<span class="badge ok">${t('Patuh', 'Compliant')}</span>`
    : o === 'NON_COMPLIANT' ? html`<span class="badge block">${t('Tidak patuh', 'Non-compliant')}</span>` : html`<span class="badge unk">${t('Belum terverifikasi', 'Unverified')}</span>`;
  return layout(c, `${t('Keputusan', 'Decision')} ${d.projectCode} · ${d.stage}`, html`
    <section class="card">
      <p>${decisionBadge(d.decision, t)} ${d.voided ? html`<span class="badge unk">${t('dibatalkan', 'voided')}: ${d.voided.reason}</span>` : null}</p>
      <dl class="facts small">
        <dt>${t('Paket', 'Project')}</dt><dd><a href="/app/projects/${d.projectId}">${d.projectCode}</a></dd>
        <dt>${t('Jumlah', 'Amount')}</dt><dd>${rupiah(d.amount, lang)}</dd>
        <dt>${t('Dokumen', 'Document')}</dt><dd>${d.requestRef}</dd>
        <dt>${t('Tanggal bayar', 'Value date')}</dt><dd>${dateText(d.valueDate, lang)} (${t('periode', 'period')} ${dateText(d.period.from, lang)} – ${dateText(d.period.to, lang)})</dd>
        <dt>${t('Diputuskan', 'Decided')}</dt><dd>${instantText(d.decidedAt, lang, c.timeZone)}</dd>
        <dt>${t('Kebijakan', 'Policy')}</dt><dd>${d.policy.id} v${d.policy.version}</dd>
        <dt>${t('No. urut audit', 'Audit seq')}</dt><dd>${d.auditSeq ?? '-'}</dd>
        <dt>SHA-256 ${t('bukti', 'evidence')}</dt><dd><code class="small">${d.evidenceSha256}</code></dd>
      </dl>
      <div class="row" style="margin-top:.75rem">
        <button type="button" class="secondary" hx-get="/app/decisions/${d.id}/replay" hx-target="#replay" hx-swap="innerHTML">${t('Ulangi evaluasi (replay)', 'Replay the evaluation')}</button>
        <a class="button secondary" href="/app/decisions/${d.id}/receipt.jws" download>${t('Unduh tanda terima bertanda tangan', 'Download the signed receipt')}</a>
      </div>
      <div id="replay" aria-live="polite"></div>
    </section>
    <section><h2>${t('Alasan', 'Reasons')}</h2>
      ${d.reasons.length === 0 ? html`<p>${t('Tidak ada.', 'None.')}</p>` : d.reasons.map((r) => html`<div class="reason"><p><span class="badge ${r.severity === 'block' ? 'block' : 'warn'}">${reasonLabel(r.code, lang)}</span> <span class="small muted">${r.code}</span></p><p>${r.message}</p></div>`)}
    </section>
    <section><h2>${t('Bukti per pekerja', 'Evidence per worker')} (${d.evidence.length})</h2>
      <p class="small">${d.summary.compliant} ${t('patuh', 'compliant')}, ${d.summary.nonCompliant} ${t('tidak patuh', 'non-compliant')}, ${d.summary.unverified} ${t('belum terverifikasi', 'unverified')}</p>
      <table class="stack"><thead><tr><th scope="col">${t('Pekerja', 'Worker')}</th><th scope="col">${t('Hasil', 'Outcome')}</th><th scope="col">BPJS</th></tr></thead>
      <tbody>${d.evidence.slice(0, 500).map((e) => html`<tr>
        <td data-label="${t('Pekerja', 'Worker')}">${e.name ? html`<strong>${e.name}</strong><br>` : null}<span class="small">NIK ${e.nik}</span></td>
        <td data-label="${t('Hasil', 'Outcome')}">${outcomeBadge(e.outcome)}<br><span class="small muted">${e.codes.map((code) => reasonLabel(code, lang)).join(', ')}</span></td>
        <td data-label="BPJS" class="small">${e.membership ? `${e.membership.status ?? '-'} · ${(e.membership.programs ?? []).join(', ')} · ${t('s.d.', 'until')} ${dateText(e.membership.coverageEnd, lang)}` : t('tidak ada data', 'no data')}<br>${t('data per', 'data as of')} ${instantText(e.verifiedAt, lang, c.timeZone)}</td>
      </tr>`)}</tbody></table>
    </section>`, { active: '/app/decisions' });
}

export function replayFragment(c: PageCtx, r: { matches: boolean; evidenceIntact?: boolean; decision: string }): Html {
  const { t } = c;
  return html`<p class="${r.matches ? 'notice' : 'alert'}" role="status">${r.matches
    ? t(`Evaluasi ulang atas bukti tersimpan memberi keputusan yang sama (${r.decision}).`, `Re-evaluating the stored evidence gives the same decision (${r.decision}).`)
    : t(`Evaluasi ulang TIDAK sama: sekarang ${r.decision}.`, `The re-evaluation does NOT match: it now gives ${r.decision}.`)}
    ${r.evidenceIntact === false ? t(' Bukti tersimpan tidak utuh!', ' The stored evidence is not intact!') : ''}</p>`;
}

export function auditPage(c: PageCtx): Html {
  const { t } = c;
  return layout(c, t('Jejak audit', 'Audit trail'), html`
    <section class="card"><h2 style="margin-top:0">${t('Verifikasi rantai hash', 'Verify the hash chain')}</h2>
      <p class="small">${t('Menghitung ulang hash setiap kejadian audit dan tautannya sampai ke kepala rantai.', 'Recomputes the hash of every audit event and its link, up to the head of the chain.')}</p>
      <button type="button" hx-get="/app/audit/verify" hx-target="#verify-chain" hx-swap="innerHTML">${t('Verifikasi sekarang', 'Verify now')}</button>
      <span class="htmx-indicator small">${t('memeriksa…', 'checking…')}</span>
      <div id="verify-chain" aria-live="polite"></div>
    </section>
    <section class="card"><h2 style="margin-top:0">${t('Unduhan', 'Downloads')}</h2>
      <p class="small">${t('Setiap unduhan dicatat dalam jejak audit (audit.exported).', 'Every download is itself recorded in the audit trail (audit.exported).')}</p>
      <ul>
        <li><a href="/app/audit/export.csv" download>${t('Semua kejadian audit (CSV)', 'Every audit event (CSV)')}</a></li>
        <li><a href="/app/audit/export.ndjson" download>${t('Semua kejadian audit (NDJSON)', 'Every audit event (NDJSON)')}</a></li>
        <li><a href="/app/audit/checkpoint.json" download>${t('Checkpoint bertanda tangan (JSON)', 'Signed checkpoint (JSON)')}</a></li>
      </ul>
    </section>`, { active: '/app/audit' });
}

export function verifyChainFragment(c: PageCtx, r: { ok: boolean; checked: number; headSeq: number; headHash: string; firstInvalidSeq?: number | undefined; reason?: string | undefined }): Html {
  const { t } = c;
  return r.ok
    ? html`<p class="notice" role="status">${t(`Rantai utuh: ${r.checked} kejadian diperiksa, kepala #${r.headSeq}.`, `Chain intact: ${r.checked} events checked, head #${r.headSeq}.`)}<br><code class="small">${r.headHash}</code></p>`
    : html`<p class="alert" role="status">${t(`Rantai RUSAK mulai kejadian #${r.firstInvalidSeq ?? '?'}`, `Chain BROKEN from event #${r.firstInvalidSeq ?? '?'}`)}: ${r.reason ?? ''}</p>`;
}
