// The project form (register and edit) and the admin's contractor form: plain HTML forms whose
// fields are checked by the API's own zod schemas, every problem shown beside its field.
import type { FieldError } from '../http/problem.ts';
import { FUNDING_SOURCES } from '../projects/schemas.ts';
import { html, type Html } from './html.ts';
import { csrfField, layout, type PageCtx } from './layout.ts';
import { fieldMessage } from '../http/field-messages.ts';

export type FormValues = Record<string, string>;

interface FieldSpec {
  name: string;
  label: [string, string];
  type?: 'text' | 'date' | 'number';
  hint?: [string, string];
  inputmode?: 'numeric' | 'decimal';
  required?: boolean;
}

function fieldErrors(errors: FieldError[], name: string): FieldError[] {
  return errors.filter((e) => e.path === name || e.path.startsWith(`${name}.`));
}

function input(c: PageCtx, f: FieldSpec, values: FormValues, errors: FieldError[]): Html {
  const { t } = c;
  const mine = fieldErrors(errors, f.name);
  const id = `f-${f.name}`;
  return html`<div>
    <label for="${id}">${t(...f.label)}</label>
    <input id="${id}" name="${f.name}" type="${f.type ?? 'text'}" value="${values[f.name] ?? ''}" ${f.inputmode ? html`inputmode="${f.inputmode}"` : null} ${f.required ? html`required` : null}
      ${mine.length > 0 ? html`aria-invalid="true" aria-describedby="${id}-err"` : f.hint ? html`aria-describedby="${id}-hint"` : null}>
    ${f.hint ? html`<p class="small muted" id="${id}-hint" style="margin:.15rem 0 0">${t(...f.hint)}</p>` : null}
    ${mine.length > 0 ? html`<p class="field-error" id="${id}-err">${mine.map((e) => fieldMessage(e.message, c.lang)).join('; ')}</p>` : null}
  </div>`;
}

function select(c: PageCtx, name: string, label: string, options: Array<{ value: string; text: string }>, values: FormValues, errors: FieldError[]): Html {
  const mine = fieldErrors(errors, name);
  const id = `f-${name}`;
  return html`<div><label for="${id}">${label}</label>
    <select id="${id}" name="${name}" ${mine.length > 0 ? html`aria-invalid="true" aria-describedby="${id}-err"` : null}>
      ${options.map((o) => html`<option value="${o.value}" ${values[name] === o.value ? html`selected` : null}>${o.text}</option>`)}
    </select>
    ${mine.length > 0 ? html`<p class="field-error" id="${id}-err">${mine.map((e) => fieldMessage(e.message, c.lang)).join('; ')}</p>` : null}</div>`;
}

export interface ProjectFormOptions {
  mode: 'new' | 'edit';
  action: string;
  values: FormValues;
  errors: FieldError[];
  problem: string | null;
  contractors: Array<{ id: string; name: string }>;
  /** OPDs the reader may choose (admin); OPD staff have theirs fixed. */
  opds: Array<{ code: string; name: string }> | null;
  fixedOpd: string | null;
}

export function projectFormPage(c: PageCtx, o: ProjectFormOptions): Html {
  const { t } = c;
  const f = (spec: FieldSpec) => input(c, spec, o.values, o.errors);
  const unplaced = o.errors.filter((e) => !/^(code|name|opdCode|contractorId|fundingSource|fiscalYear|contractNumber|contractValue|vatPercent|startDate|endDate|maintenanceEndDate|bpjsRegistrationNumber|bpjsPremiumPaid)\b/.test(e.path));
  const title = o.mode === 'new' ? t('Daftarkan paket', 'Register a project') : t('Ubah data paket', 'Edit the project');
  return layout(c, title, html`
    ${o.problem ? html`<div class="alert" role="alert"><p>${o.problem}</p>${unplaced.length > 0 ? html`<ul>${unplaced.map((e) => html`<li>${e.path}: ${fieldMessage(e.message, c.lang)}</li>`)}</ul>` : null}</div>` : null}
    ${o.contractors.length === 0 ? html`<p class="alert">${t('Belum ada penyedia jasa terdaftar. Minta admin mendaftarkan penyedia jasa lebih dulu.', 'No contractor is registered yet. Ask the admin to register the contractor first.')}</p>` : null}
    <form class="stack card" method="post" action="${o.action}" novalidate>
      ${csrfField(c)}
      ${o.mode === 'new' ? f({ name: 'code', label: ['Kode paket', 'Project code'], hint: ['Unik, tanpa spasi, mis. DPUPR-2026-001', 'Unique, no spaces, e.g. DPUPR-2026-001'], required: true }) : null}
      ${f({ name: 'name', label: ['Nama paket', 'Project name'], required: true })}
      ${o.opds ? select(c, 'opdCode', 'OPD', o.opds.map((x) => ({ value: x.code, text: `${x.code} - ${x.name}` })), o.values, o.errors) : html`<input type="hidden" name="opdCode" value="${o.fixedOpd ?? ''}">`}
      ${select(c, 'contractorId', t('Penyedia jasa', 'Contractor'), o.contractors.map((x) => ({ value: x.id, text: x.name })), o.values, o.errors)}
      ${select(c, 'fundingSource', t('Sumber dana', 'Funding source'), FUNDING_SOURCES.map((s) => ({ value: s, text: s })), o.values, o.errors)}
      ${f({ name: 'fiscalYear', label: ['Tahun anggaran', 'Fiscal year'], inputmode: 'numeric', required: true })}
      ${f({ name: 'contractNumber', label: ['Nomor kontrak (SPK)', 'Contract number (SPK)'], required: true })}
      ${f({ name: 'contractValue', label: ['Nilai kontrak termasuk PPN (Rp)', 'Contract value incl. VAT (Rp)'], inputmode: 'numeric', hint: ['Angka saja; titik pemisah ribuan boleh', 'Digits; thousands separators are fine'], required: true })}
      ${f({ name: 'vatPercent', label: ['PPN efektif (%)', 'Effective VAT (%)'], inputmode: 'decimal', hint: ['Biasanya 11', 'Usually 11'] })}
      ${f({ name: 'startDate', label: ['Tanggal mulai', 'Start date'], type: 'date', required: true })}
      ${f({ name: 'endDate', label: ['Tanggal selesai', 'End date'], type: 'date', required: true })}
      ${f({ name: 'maintenanceEndDate', label: ['Akhir masa pemeliharaan', 'End of maintenance'], type: 'date' })}
      ${f({ name: 'bpjsRegistrationNumber', label: ['Nomor pendaftaran proyek BPJS', 'BPJS project registration number'], inputmode: 'numeric', hint: ['Kosongkan bila belum terdaftar', 'Leave empty if not yet registered'] })}
      ${f({ name: 'bpjsPremiumPaid', label: ['Iuran BPJS yang sudah dibayar (Rp)', 'BPJS premium paid so far (Rp)'], inputmode: 'numeric' })}
      <div class="row"><button type="submit">${o.mode === 'new' ? t('Daftarkan', 'Register') : t('Simpan', 'Save')}</button>
      <a href="${o.mode === 'new' ? '/app' : o.action}">${t('Batal', 'Cancel')}</a></div>
    </form>`, { active: o.mode === 'new' ? '/app/projects/new' : '/app' });
}

export function contractorsPage(c: PageCtx, list: Array<{ id: string; name: string; nib: string; npwp: string; bpjsEmployerNumber: string | null }>, form: { values: FormValues; errors: FieldError[]; problem: string | null; created: string | null }): Html {
  const { t } = c;
  const f = (spec: FieldSpec) => input(c, spec, form.values, form.errors);
  return layout(c, t('Penyedia jasa', 'Contractors'), html`
    ${form.created ? html`<p class="notice" role="status">${t('Penyedia terdaftar:', 'Contractor registered:')} ${form.created}</p>` : null}
    ${form.problem ? html`<p class="alert" role="alert">${form.problem}</p>` : null}
    <form class="stack card" method="post" action="/app/contractors" novalidate>
      ${csrfField(c)}
      <h2 style="margin:0">${t('Daftarkan penyedia jasa', 'Register a contractor')}</h2>
      ${f({ name: 'name', label: ['Nama badan usaha', 'Business name'], required: true })}
      ${f({ name: 'nib', label: ['NIB (13 digit)', 'NIB (13 digits)'], inputmode: 'numeric', required: true })}
      ${f({ name: 'npwp', label: ['NPWP', 'NPWP (tax number)'], required: true })}
      ${f({ name: 'bpjsEmployerNumber', label: ['NPP BPJS (boleh kosong)', 'BPJS employer number (optional)'], inputmode: 'numeric' })}
      <div><button type="submit">${t('Daftarkan', 'Register')}</button></div>
    </form>
    <table class="stack"><thead><tr><th scope="col">${t('Nama', 'Name')}</th><th scope="col">NIB</th><th scope="col">NPWP</th><th scope="col">NPP</th></tr></thead>
    <tbody>${list.map((x) => html`<tr><td data-label="${t('Nama', 'Name')}">${x.name}</td><td data-label="NIB">${x.nib}</td><td data-label="NPWP">${x.npwp}</td><td data-label="NPP">${x.bpjsEmployerNumber ?? '-'}</td></tr>`)}</tbody></table>`,
  { active: '/app/contractors' });
}
