// Correcting an assignment (contract 2.1) and the list of corrections the Inspektorat reviews.
import type { FieldError } from '../http/problem.ts';
import { html, type Html } from './html.ts';
import { dateText, instantText } from './i18n.ts';
import { csrfField, layout, type PageCtx } from './layout.ts';
import type { FormValues } from './pages-forms.ts';
import { fieldMessage } from '../http/field-messages.ts';

export interface CorrectionTarget {
  projectId: string;
  projectCode: string;
  assignmentId: string;
  name: string;
  nik: string;
  startDate: string;
  endDate: string | null;
}

export function correctionPage(c: PageCtx, w: CorrectionTarget, form: { values: FormValues; errors: FieldError[]; problem: string | null }): Html {
  const { t, lang } = c;
  const err = (name: string) => {
    const mine = form.errors.filter((e) => e.path === name);
    return mine.length > 0 ? html`<p class="field-error" id="f-${name}-err">${mine.map((e) => fieldMessage(e.message, lang)).join('; ')}</p>` : null;
  };
  const invalid = (name: string) => (form.errors.some((e) => e.path === name) ? html`aria-invalid="true" aria-describedby="f-${name}-err"` : null);
  return layout(c, t('Koreksi penugasan', 'Correct an assignment'), html`
    <p><a href="/app/projects/${w.projectId}">${w.projectCode}</a> · <strong>${w.name}</strong> · NIK ${w.nik}</p>
    <p class="small">${t('Tercatat sekarang:', 'Recorded now:')} ${dateText(w.startDate, lang)} – ${w.endDate ? dateText(w.endDate, lang) : t('sekarang', 'now')}</p>
    <p class="notice small">${t(
      'Koreksi berlaku seketika dan dicatat dalam jejak audit bersama alasannya. Gunakan bila pekerja benar-benar mulai atau berhenti pada hari lain, atau tidak pernah bekerja di paket ini.',
      'A correction takes effect at once and is recorded in the audit trail with its reason. Use it when the worker really started or left on another day, or never worked on this project.',
    )}</p>
    ${form.problem ? html`<p class="alert" role="alert">${form.problem}</p>` : null}
    <form class="stack card" method="post" action="/app/projects/${w.projectId}/workers/${w.assignmentId}/correct" novalidate>
      ${csrfField(c)}
      <div><label for="f-startDate">${t('Tanggal mulai sebenarnya', 'Real start date')}</label>
        <input id="f-startDate" name="startDate" type="date" value="${form.values.startDate ?? ''}" ${invalid('startDate')}>${err('startDate')}</div>
      <div><label for="f-endDate">${t('Hari kerja terakhir sebenarnya', 'Real last day worked')}</label>
        <input id="f-endDate" name="endDate" type="date" value="${form.values.endDate ?? ''}" ${invalid('endDate')}>${err('endDate')}</div>
      <div class="row"><input id="f-cancelled" name="cancelled" type="checkbox" value="true" style="width:auto" ${form.values.cancelled === 'true' ? html`checked` : null}>
        <label for="f-cancelled" style="font-weight:400;margin:0">${t('Pekerja ini tidak pernah bekerja di paket ini (batalkan penugasan)', 'This worker never worked on this project (cancel the assignment)')}</label></div>
      <div><label for="f-reason">${t('Alasan (10-500 karakter)', 'Reason (10-500 characters)')}</label>
        <textarea id="f-reason" name="reason" rows="3" ${invalid('reason')}>${form.values.reason ?? ''}</textarea>${err('reason')}</div>
      <div class="row"><button type="submit">${t('Simpan koreksi', 'Save the correction')}</button><a href="/app/projects/${w.projectId}">${t('Batal', 'Cancel')}</a></div>
    </form>`, { active: '/app' });
}

export interface CorrectionItem {
  id: string; projectId: string; projectCode: string; nik: string; reason: string; correctedAt: string; correctedBy: string;
  before: { startDate: string; endDate: string | null; cancelled: boolean };
  after: { startDate: string; endDate: string | null; cancelled: boolean };
}

export function correctionsPage(c: PageCtx, items: CorrectionItem[], next: string | null): Html {
  const { t, lang } = c;
  const span = (s: CorrectionItem['before']) => (s.cancelled ? t('dibatalkan', 'cancelled') : `${dateText(s.startDate, lang)} – ${s.endDate ? dateText(s.endDate, lang) : t('sekarang', 'now')}`);
  return layout(c, t('Koreksi penugasan', 'Assignment corrections'), html`
    ${items.length === 0 ? html`<p>${t('Belum ada koreksi.', 'No corrections yet.')}</p>` : html`<table class="stack">
      <thead><tr><th scope="col">${t('Waktu', 'Time')}</th><th scope="col">${t('Paket / pekerja', 'Project / worker')}</th><th scope="col">${t('Sebelum → sesudah', 'Before → after')}</th><th scope="col">${t('Alasan', 'Reason')}</th></tr></thead>
      <tbody>${items.map((x) => html`<tr>
        <td data-label="${t('Waktu', 'Time')}">${instantText(x.correctedAt, lang, c.timeZone)}<br><span class="small muted">${x.correctedBy}</span></td>
        <td data-label="${t('Paket / pekerja', 'Project / worker')}"><a href="/app/projects/${x.projectId}">${x.projectCode}</a><br><span class="small">NIK ${x.nik}</span></td>
        <td data-label="${t('Sebelum → sesudah', 'Before → after')}" class="small">${span(x.before)}<br>→ ${span(x.after)}</td>
        <td data-label="${t('Alasan', 'Reason')}" class="small">${x.reason}</td></tr>`)}</tbody></table>
      ${next ? html`<p><a href="/app/corrections?cursor=${encodeURIComponent(next)}">${t('Berikutnya', 'Next page')}</a></p>` : null}`}`,
  { active: '/app/corrections' });
}
