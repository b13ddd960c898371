// Per-field validation messages (issue 11, item 12; contract 2.8): Bahasa Indonesia by default,
// English with `Accept-Language: en`, for zod's own checks, the schemas' rules, the identifiers and
// the services' checks alike.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from './helpers/app.ts';
import { createContractor, createProject, contractorPayload, projectPayload } from './helpers/factories.ts';

interface Problem { code: string; detail: string; errors: Array<{ path: string; message: string }> }
// Words of zod's and our English texts that an Indonesian answer must not contain.
const ENGLISH = /\b(Invalid|expected|received|must|Too (big|small)|Unrecognized|characters|give|digits only|between)\b/;

describe('validation messages in the request language', async () => {
  const t = await buildTestApp();
  const admin = await t.auth('admin');
  const opd = await t.auth('opd');
  const send = async (method: 'POST' | 'GET' | 'PUT', url: string, payload: unknown, headers: Record<string, string> = {}) => {
    const res = await t.app.inject({ method, url, headers: { ...admin, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
    expect(res.statusCode, res.body).toBe(422);
    return res.json() as Problem;
  };
  const messages = (p: Problem) => Object.fromEntries(p.errors.map((e) => [e.path, e.message]));

  it('says what is wrong with each field of a contractor in Indonesian, and in English when asked', async () => {
    const bad = contractorPayload({ name: 'PT', nib: '12345', npwp: '01.312.166.5-091.000', bpjsEmployerNumber: 'NPP-1', extra: 1 });
    const id = await send('POST', '/v1/contractors', bad);
    expect(id.detail).toMatch(/masalah ditemukan/);
    expect(messages(id)).toEqual({
      name: 'Terlalu pendek: teks paling sedikit 3 karakter',
      nib: 'NIB_LENGTH: NIB harus 13 digit',
      npwp: 'NPWP_CHECK_DIGIT: Digit pemeriksa NPWP (digit ke-9 bentuk 15 digit) tidak sesuai',
      bpjsEmployerNumber: 'hanya angka',
      body: 'Field tidak dikenal: "extra"',
    });
    const en = await send('POST', '/v1/contractors', bad, { 'accept-language': 'en-GB,en;q=0.9' });
    expect(en.detail).toMatch(/problem\(s\) found/);
    expect(messages(en)).toMatchObject({
      name: 'Too small: expected string to have >=3 characters',
      nib: 'NIB_LENGTH: NIB must be 13 digits',
      bpjsEmployerNumber: 'digits only',
    });
  });

  it('covers types, missing fields, enums, dates and cross-field rules of a project', async () => {
    const contractor = await createContractor(t);
    const body = projectPayload({
      contractorId: contractor.id, name: undefined, fundingSource: 'HIBAH', fiscalYear: '2025', startDate: '2025-02-30', opdCode: 'dpupr', contractValue: -1,
    });
    const id = messages(await send('POST', '/v1/projects', body, {}));
    expect(id).toMatchObject({
      name: 'Wajib diisi: diharapkan teks',
      fundingSource: 'Pilihan tidak sah: harus salah satu dari "APBD"|"APBN"|"SWASTA"',
      fiscalYear: 'Jenis tidak sesuai: diharapkan angka, diterima teks',
      opdCode: 'kode OPD: 2-32 huruf kapital, angka atau _',
      contractValue: 'Terlalu kecil: angka paling sedikit 0',
    });
    expect(id.startDate).toMatch(/^tanggal kalender YYYY-MM-DD antara 1900-01-01 dan 2199-12-31/);
    for (const message of Object.values(id)) expect(message).not.toMatch(ENGLISH);
    // A rule across fields, checked after the schema.
    const order = messages(await send('POST', '/v1/projects', projectPayload({ contractorId: contractor.id, startDate: '2025-11-01' })));
    expect(order.startDate ?? order.endDate).toMatch(/^harus sama dengan atau (sebelum endDate|sesudah startDate) \(2025-1[01]-\d\d\)$/);
  });

  it('translates the services\' own checks and query rules', async () => {
    const project = await createProject(t);
    const added = await t.app.inject({ method: 'POST', url: `/v1/projects/${project.id}/workers`, headers: opd, payload: {
      nik: '1671011505900001', name: 'Ahmad Fauzi', role: 'TUKANG', startDate: '2025-03-01' } });
    expect(added.statusCode, added.body).toBe(201);
    const roster = messages(await send('PUT', `/v1/projects/${project.id}/workers`, { workers: [] }, opd));
    expect(Object.values(roster)).toEqual(['daftar baru kosong dan akan mengakhiri semua penugasan aktif; kirim ?confirmEmpty=true bila memang itu maksudnya']);
    const worker = messages(await send('POST', `/v1/projects/${project.id}/workers`, {
      nik: '1671014113900001', name: 'Siti Aminah', role: 'TUKANG', startDate: '2025-03-05', endDate: '2025-03-01',
    }, opd));
    expect(worker.nik).toBe('NIK_BIRTH_DATE: Tanggal lahir NIK (digit 7-12, DDMMYY, perempuan +40 pada tanggal) tidak valid');
    const inspector = await t.auth('inspector');
    const query = messages(await send('GET', '/v1/audit/verify?fromSeq=5&toSeq=2', undefined, inspector));
    expect(query).toEqual({ 'query.toSeq': 'fromSeq tidak boleh melebihi toSeq' });
    const queryEn = messages(await send('GET', '/v1/audit/verify?fromSeq=5&toSeq=2', undefined, { ...inspector, 'accept-language': 'en' }));
    expect(queryEn).toEqual({ 'query.toSeq': 'fromSeq must not exceed toSeq' });
  });
});
