// OPD staff's pages: their projects at a glance, one project with who blocks it and why, the
// project form, the roster upload with every bad line shown where it is.
import type { FieldError } from '../http/problem.ts';
import type { Project } from '../projects/schemas.ts';
import type { Worker } from '../roster/schemas.ts';
import { reasonLabel, workersBar } from './charts.ts';
import { html, type Child, type Html } from './html.ts';
import { dateText, instantText, nextStep, rupiah, type Tr } from './i18n.ts';
import { csrfField, layout, type PageCtx } from './layout.ts';
import type { Compliance } from './service.ts';
import { fieldMessage } from '../http/field-messages.ts';

export const decisionBadge = (decision: string, t: Tr): Html =>
  decision === 'APPROVED' ? html`<span class="badge ok">${t('Lolos', 'Would pass')}</span>` : html`<span class="badge block">${t('Diblokir', 'Blocked')}</span>`;

function legend(t: Tr): Html {
  return html`<div class="legend" aria-hidden="true"><span><i class="s-ok"></i>${t('patuh', 'compliant')}</span><span><i class="s-bad"></i>${t('tidak patuh', 'non-compliant')}</span><span><i class="s-unk"></i>${t('belum terverifikasi', 'unverified')}</span></div>`;
}

export interface GlanceItem {
  project: Project;
  compliance: Compliance;
  nextStage: string | null;
}

export function projectListPage(c: PageCtx, title: string, items: GlanceItem[], options: { more: boolean; canCreate: boolean; showOpd: boolean; filter?: Html }): Html {
  const { t, lang } = c;
  const rows = items.map(({ project: p, compliance: k, nextStage }) => html`<tr>
    <td data-label="${t('Paket', 'Project')}"><a href="/app/projects/${p.id}"><strong>${p.code}</strong></a><br><span class="small">${p.name}</span>${options.showOpd ? html`<br><span class="small muted">${p.opdCode}</span>` : null}</td>
    <td data-label="${t('Hari ini', 'Today')}">${decisionBadge(k.decision, t)}<br><span class="small muted">${k.reasons.filter((r) => r.severity === 'block').map((r) => reasonLabel(r.code, lang)).join(', ')}</span></td>
    <td data-label="${t('Pekerja', 'Workers')}">${workersBar(k.summary, t)}<span class="small">${k.summary.compliant}/${k.summary.workersChecked} ${t('patuh', 'compliant')}</span></td>
    <td data-label="${t('Iuran dibayar / wajib', 'Premium paid / required')}" class="num"><span class="nowrap">${rupiah(k.premium.paid ?? p.bpjsPremiumPaid, lang)}</span><br><span class="small muted nowrap">${t('dari', 'of')} ${rupiah(k.premium.required.total, lang)}</span></td>
    <td data-label="${t('Tahap berikut', 'Next stage')}" class="nowrap">${nextStage ?? '-'}</td>
    <td data-label="${t('Segera berakhir', 'Expiring soon')}" class="num">${k.expiringSoon.length > 0 ? html`<span class="badge warn">${k.expiringSoon.length}</span>` : '0'}</td>
  </tr>`);
  return layout(c, title, html`
    ${options.filter ?? null}
    ${options.canCreate ? html`<p><a class="button" href="/app/projects/new">${t('Daftarkan paket baru', 'Register a new project')}</a></p>` : null}
    ${items.length === 0
      ? html`<p class="card">${t('Belum ada paket. Daftarkan paket pertama Anda.', 'No projects yet. Register your first project.')}</p>`
      : html`${legend(t)}<table class="stack"><caption class="muted small" style="text-align:left">${t('Keadaan hari ini menurut uji coba gerbang (tidak mencatat apa pun)', 'Today\'s state by a dry run of the gate (records nothing)')}</caption>
        <thead><tr><th scope="col">${t('Paket', 'Project')}</th><th scope="col">${t('Hari ini', 'Today')}</th><th scope="col">${t('Pekerja', 'Workers')}</th><th scope="col" class="num">${t('Iuran dibayar / wajib', 'Premium paid / required')}</th><th scope="col">${t('Tahap berikut', 'Next stage')}</th><th scope="col" class="num">${t('Segera berakhir', 'Expiring soon')}</th></tr></thead>
        <tbody>${rows}</tbody></table>
        ${options.more ? html`<p class="muted small">${t('Menampilkan 100 paket pertama; saring dengan pencarian.', 'Showing the first 100 projects; narrow with the search.')}</p>` : null}`}`);
}

type WorkerState = 'blocked' | 'unverified' | 'ok' | 'outside';

function overlaps(w: Worker, period: { from: string; to: string }): boolean {
  return w.startDate <= period.to && (w.endDate === null || w.endDate >= period.from);
}

/** Each worker with the reasons that name them (block and warn), blocked ones first. */
export function workersWithReasons(workers: Worker[], k: Compliance) {
  const byNik = new Map<string, Compliance['reasons']>();
  for (const r of k.reasons) for (const w of r.workers ?? []) byNik.set(w.nik, [...(byNik.get(w.nik) ?? []), r]);
  const rank: Record<WorkerState, number> = { blocked: 0, unverified: 1, ok: 2, outside: 3 };
  return workers
    .map((w) => {
      const reasons = byNik.get(w.nik) ?? [];
      const blocks = reasons.filter((r) => r.severity === 'block');
      const state: WorkerState = blocks.some((r) => r.code !== 'MEMBERSHIP_UNVERIFIED') ? 'blocked'
        : blocks.length > 0 ? 'unverified' : overlaps(w, k.period) ? 'ok' : 'outside';
      return { worker: w, reasons, state };
    })
    .sort((a, b) => rank[a.state] - rank[b.state] || a.worker.name.localeCompare(b.worker.name));
}

function stateBadge(state: WorkerState, t: Tr): Html {
  switch (state) {
    case 'blocked': return html`<span class="badge block">${t('Memblokir', 'Blocking')}</span>`;
    case 'unverified': return html`<span class="badge unk">${t('Belum terverifikasi', 'Unverified')}</span>`;
    case 'ok': return html`<span class="badge ok">${t('Patuh', 'Compliant')}</span>`;
    default: return html`<span class="badge unk">${t('Di luar periode', 'Outside the period')}</span>`;
  }
}

function membershipText(w: Worker, c: PageCtx): string {
  const m = w.membership;
  const { t, lang } = c;
  if (!m) return t('Belum ada data BPJS', 'No BPJS data yet');
  if (!m.found) return t('Tidak ditemukan di BPJS', 'Not found at BPJS');
  return `${m.status ?? '-'} · ${m.programs.join(', ') || '-'} · ${m.segment ?? ''} ${t('s.d.', 'until')} ${dateText(m.coverageEnd, lang)}`;
}

export interface UploadProblem {
  errors: FieldError[];
  lines: string[];
  fileName: string;
}

/** The uploaded CSV, each bad line shown in place with what is wrong with it. */
export function uploadErrors(c: PageCtx, u: UploadProblem): Html {
  const { t } = c;
  const byLine = new Map<number, string[]>();
  const general: string[] = [];
  for (const e of u.errors) {
    if (e.line === undefined) general.push(`${e.path}: ${fieldMessage(e.message, c.lang)}`);
    else byLine.set(e.line, [...(byLine.get(e.line) ?? []), `${e.path.split('.').pop() ?? e.path}: ${fieldMessage(e.message, c.lang)}`]);
  }
  const shown = u.lines.map((text, i) => ({ n: i + 1, text })).filter((l) => l.n === 1 || byLine.has(l.n));
  return html`<div class="alert" role="alert" id="upload-errors">
    <p><strong>${t(`${byLine.size} baris bermasalah di ${u.fileName}; tidak ada yang diubah.`, `${byLine.size} bad line(s) in ${u.fileName}; nothing was changed.`)}</strong>
    ${t('Perbaiki baris-baris ini lalu unggah lagi berkas seluruhnya.', 'Fix these lines and upload the whole file again.')}</p>
    ${general.length > 0 ? html`<ul>${general.map((g) => html`<li>${g}</li>`)}</ul>` : null}
    <ol class="csv-lines" aria-label="${t('Baris bermasalah', 'Bad lines')}">
      ${shown.map((l) => html`<li class="${byLine.has(l.n) ? 'bad' : ''}"><span class="ln">${t('baris', 'line')} ${l.n}</span><code>${l.text.length > 300 ? `${l.text.slice(0, 300)}…` : l.text}</code>
        ${(byLine.get(l.n) ?? []).map((m) => html`<span class="msg">${m}</span>`)}</li>`)}
    </ol></div>`;
}

export interface ProjectDetail {
  project: Project;
  compliance: Compliance;
  workers: Worker[];
  decisions: Array<{ id: string; stage: string; amount: number; decision: string; decidedAt: string; voided: unknown }>;
  nextStage: string | null;
}

export function projectPage(c: PageCtx, d: ProjectDetail, extras: { canManage: boolean; flash?: Html | null; upload?: UploadProblem | null; correctionsReady: boolean }): Html {
  const { t, lang } = c;
  const { project: p, compliance: k } = d;
  const blocks = k.reasons.filter((r) => r.severity === 'block');
  const warns = k.reasons.filter((r) => r.severity === 'warn');
  const listed = workersWithReasons(d.workers, k);
  const blocking = listed.filter((w) => w.state === 'blocked' || w.state === 'unverified');
  const reasonCard = (r: Compliance['reasons'][number]): Html => html`<div class="reason">
    <p><span class="badge ${r.severity === 'block' ? 'block' : 'warn'}">${reasonLabel(r.code, lang)}</span> <span class="small muted">${r.code}</span></p>
    <p>${r.message}</p>
    ${nextStep(r.code, lang) ? html`<p><strong>${t('Yang perlu dilakukan:', 'What to do:')}</strong> ${nextStep(r.code, lang)}</p>` : null}
  </div>`;
  const SHOW = 200;
  const okShown = listed.filter((w) => w.state === 'ok' || w.state === 'outside').slice(0, SHOW);
  const workerRow = (x: (typeof listed)[number]): Html => html`<tr>
    <td data-label="${t('Pekerja', 'Worker')}"><strong>${x.worker.name}</strong><br><span class="small">NIK ${x.worker.nik}${x.worker.kpj ? ` · KPJ ${x.worker.kpj}` : ''}</span></td>
    <td data-label="${t('Penugasan', 'Assignment')}" class="small">${x.worker.role}<br>${dateText(x.worker.startDate, lang)} – ${x.worker.endDate ? dateText(x.worker.endDate, lang) : t('sekarang', 'now')}</td>
    <td data-label="BPJS" class="small">${membershipText(x.worker, c)}</td>
    <td data-label="${t('Status', 'Status')}">${stateBadge(x.state, t)}</td>
    ${extras.canManage && extras.correctionsReady ? html`<td data-label="${t('Koreksi', 'Correct')}"><a href="/app/projects/${p.id}/workers/${x.worker.assignmentId}/correct">${t('Koreksi', 'Correct')}</a></td>` : null}
  </tr>`;
  const body: Child = html`
    ${extras.flash ?? null}
    <div class="grid">
      <section class="card" aria-labelledby="today">
        <h2 id="today" style="margin-top:0">${t('Hari ini', 'Today')} ${decisionBadge(k.decision, t)}</h2>
        <p class="small muted">${t('Uji coba gerbang untuk pembayaran bertanggal', 'Dry run of the gate for a payment dated')} ${dateText(k.valueDate, lang)}; ${t('periode', 'period')} ${dateText(k.period.from, lang)} – ${dateText(k.period.to, lang)}.</p>
        ${workersBar(k.summary, t)}${legend(t)}
        <p class="small">${k.summary.compliant} ${t('patuh', 'compliant')}, ${k.summary.nonCompliant} ${t('tidak patuh', 'non-compliant')}, ${k.summary.unverified} ${t('belum terverifikasi', 'unverified')} (${k.summary.workersChecked} ${t('diperiksa', 'checked')})</p>
        <p class="small">${t('Data BPJS terbaru:', 'Latest BPJS data:')} ${instantText(k.lastVerifiedAt, lang, c.timeZone)}</p>
      </section>
      <section class="card" aria-labelledby="facts">
        <h2 id="facts" style="margin-top:0">${t('Data paket', 'Project data')}</h2>
        <dl class="facts small">
          <dt>OPD</dt><dd>${p.opdCode}</dd>
          <dt>${t('Penyedia', 'Contractor')}</dt><dd>${p.contractor.name}</dd>
          <dt>${t('Nilai kontrak', 'Contract value')}</dt><dd>${rupiah(p.contractValue, lang)}</dd>
          <dt>${t('Iuran wajib', 'Premium required')}</dt><dd>${rupiah(k.premium.required.total, lang)} (${t('untuk pembayaran ini', 'for this payment')}: ${rupiah(k.premium.requiredForPayment, lang)})</dd>
          <dt>${t('Iuran dibayar', 'Premium paid')}</dt><dd>${rupiah(k.premium.paid ?? p.bpjsPremiumPaid, lang)}${k.premium.shortfall > 0 ? html` <span class="badge block">${t('kurang', 'short')} ${rupiah(k.premium.shortfall, lang)}</span>` : null}</dd>
          <dt>${t('No. pendaftaran BPJS', 'BPJS registration no.')}</dt><dd>${p.bpjsRegistrationNumber ?? html`<span class="badge warn">${t('belum diisi', 'not set')}</span>`}</dd>
          <dt>${t('Masa kerja', 'Work period')}</dt><dd>${dateText(p.startDate, lang)} – ${dateText(p.endDate, lang)}</dd>
          <dt>${t('Tahap berikut', 'Next stage')}</dt><dd>${d.nextStage ?? '-'}</dd>
        </dl>
        ${extras.canManage ? html`<p class="row" style="margin-bottom:0"><a class="button secondary" href="/app/projects/${p.id}/edit">${t('Ubah data paket', 'Edit project')}</a></p>` : null}
      </section>
    </div>

    <section aria-labelledby="why">
      <h2 id="why">${blocks.length > 0 ? t('Mengapa diblokir', 'Why it is blocked') : t('Tidak ada yang memblokir', 'Nothing blocks it')}</h2>
      ${blocks.map(reasonCard)}
      ${warns.length > 0 ? html`<h3>${t('Peringatan', 'Warnings')}</h3>${warns.map(reasonCard)}` : null}
    </section>

    ${blocking.length > 0 ? html`<section aria-labelledby="who">
      <h2 id="who">${t('Siapa yang memblokir', 'Who blocks it')} (${blocking.length})</h2>
      ${blocking.map((x) => html`<div class="reason">
        <p><strong>${x.worker.name}</strong> <span class="small">NIK ${x.worker.nik}${x.worker.kpj ? ` · KPJ ${x.worker.kpj}` : ''} · ${x.worker.role}</span> ${stateBadge(x.state, t)}</p>
        <p class="small muted">BPJS: ${membershipText(x.worker, c)}</p>
        <ul>${x.reasons.map((r) => html`<li><strong>${reasonLabel(r.code, lang)}.</strong> ${nextStep(r.code, lang) ?? ''}</li>`)}</ul>
        ${extras.canManage && extras.correctionsReady ? html`<p class="small"><a href="/app/projects/${p.id}/workers/${x.worker.assignmentId}/correct">${t('Tanggal penugasan keliru? Koreksi dengan alasan', 'Assignment dates wrong? Correct them with a reason')}</a></p>` : null}
      </div>`)}
    </section>` : null}

    ${extras.canManage ? html`<section class="card" aria-labelledby="verify-h">
      <h2 id="verify-h" style="margin-top:0">${t('Periksa ke BPJS', 'Check with BPJS')}</h2>
      <p class="small">${t('Mengambil status terbaru pendaftaran paket dan kepesertaan setiap pekerja yang akan diperiksa.', 'Fetches the latest status of the registration and of every worker a payment would check.')}</p>
      <form method="post" action="/app/projects/${p.id}/verify" hx-post="/app/projects/${p.id}/verify" hx-target="#verify-result" hx-swap="innerHTML">
        ${csrfField(c)}<button type="submit">${t('Periksa sekarang', 'Check now')}</button> <span class="htmx-indicator small">${t('memeriksa…', 'checking…')}</span>
      </form>
      <div id="verify-result" aria-live="polite"></div>
    </section>

    <section class="card" aria-labelledby="upload-h">
      <h2 id="upload-h" style="margin-top:0">${t('Unggah daftar pekerja (CSV)', 'Upload the roster (CSV)')}</h2>
      <p class="small">${t('Kolom:', 'Columns:')} <code>nik,name,kpj,role,startDate,endDate</code> ${t('(tanggal YYYY-MM-DD; kpj dan endDate boleh kosong). Daftar ini menggantikan daftar aktif; pekerja yang tidak ada lagi diakhiri hari ini.', '(dates YYYY-MM-DD; kpj and endDate may be empty). It replaces the active roster; workers left out end today.')}</p>
      ${extras.upload ? uploadErrors(c, extras.upload) : null}
      <form class="stack" method="post" action="/app/projects/${p.id}/roster" enctype="multipart/form-data">
        ${csrfField(c)}
        <div><label for="roster">${t('Berkas CSV', 'CSV file')}</label><input id="roster" name="roster" type="file" accept=".csv,text/csv" required></div>
        <div class="row"><input id="confirmEmpty" name="confirmEmpty" type="checkbox" value="true" style="width:auto"><label for="confirmEmpty" style="font-weight:400;margin:0">${t('Berkas tanpa pekerja: akhiri semua penugasan aktif', 'A file without workers: end every active assignment')}</label></div>
        <div><button type="submit">${t('Unggah', 'Upload')}</button></div>
      </form>
    </section>` : null}

    <section aria-labelledby="roster-h">
      <h2 id="roster-h">${t('Daftar pekerja', 'Roster')} (${d.workers.length})</h2>
      ${d.workers.length === 0 ? html`<p>${t('Belum ada pekerja.', 'No workers yet.')}</p>` : html`<table class="stack">
        <thead><tr><th scope="col">${t('Pekerja', 'Worker')}</th><th scope="col">${t('Penugasan', 'Assignment')}</th><th scope="col">BPJS</th><th scope="col">${t('Status', 'Status')}</th>${extras.canManage && extras.correctionsReady ? html`<th scope="col">${t('Koreksi', 'Correct')}</th>` : null}</tr></thead>
        <tbody>${blocking.map(workerRow)}${okShown.map(workerRow)}</tbody></table>
        ${listed.length - blocking.length > okShown.length ? html`<p class="small muted">${t(`dan ${listed.length - blocking.length - okShown.length} pekerja patuh lainnya`, `and ${listed.length - blocking.length - okShown.length} more compliant workers`)}</p>` : null}`}
    </section>

    <section aria-labelledby="dec-h">
      <h2 id="dec-h">${t('Keputusan terakhir', 'Latest decisions')}</h2>
      ${d.decisions.length === 0 ? html`<p class="muted">${t('Belum ada permintaan pembayaran.', 'No payment requests yet.')}</p>` : html`<ul>
        ${d.decisions.map((x) => html`<li><a href="/app/decisions/${x.id}">${x.stage}</a> · ${rupiah(x.amount, lang)} · ${decisionBadge(x.decision, t)} · ${instantText(x.decidedAt, lang, c.timeZone)}${x.voided ? html` <span class="badge unk">${t('dibatalkan', 'voided')}</span>` : null}</li>`)}
      </ul>`}
    </section>`;
  return layout(c, `${p.code} · ${p.name}`, body, { active: '/app' });
}

export function verifyOutcome(c: PageCtx, r: { checked: number; refreshed: number; notFound: number; failed: number; registration: { registrationNumber: string; outcome: string } | null } | { error: string }): Html {
  const { t } = c;
  if ('error' in r) return html`<p class="alert" role="status">${r.error}</p>`;
  return html`<div class="notice" role="status">
    <p><strong>${t('Selesai diperiksa.', 'Check finished.')}</strong> ${t(`${r.checked} pekerja diperiksa: ${r.refreshed} diperbarui, ${r.notFound} tidak ditemukan di BPJS, ${r.failed} gagal.`, `${r.checked} workers checked: ${r.refreshed} refreshed, ${r.notFound} not found at BPJS, ${r.failed} failed.`)}</p>
    ${r.registration ? html`<p>${t('Pendaftaran', 'Registration')} ${r.registration.registrationNumber}: ${r.registration.outcome}</p>` : null}
    <p><a href="">${t('Muat ulang halaman untuk melihat keadaan terbaru', 'Reload the page to see the new state')}</a></p>
  </div>`;
}
