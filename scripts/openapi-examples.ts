// `npm run openapi:examples`: regenerates src/http/openapi-examples.json, the request and response
// examples of every operation in the OpenAPI document. It runs the requests below against the real
// app on a throwaway embedded database and keeps what was sent and what came back, so every example
// is one the service really accepted and really answered. Then run `npm run openapi`.
// test/openapi-examples.test.ts checks that every operation has examples and that they still fit.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import pino from 'pino';
import { buildApp } from '../src/app.ts';
import { cosign, COSIGNATURE_V1, noteSignerFromJwk, parseCheckpointNote, verifierKey } from '../src/audit/note.ts';
import { mintToken } from '../src/auth-tokens.ts';
import { loadConfig } from '../src/config.ts';
import { openPglite } from '../src/db/client.ts';
import { migratePgliteDb } from '../src/db/migrate.ts';
import { newLogSigningKey, publicPart, signingKeyFromJwk } from '../src/keys.ts';
import type { Examples, OperationExample } from '../src/http/openapi-examples.ts';

const OUT = new URL('../src/http/openapi-examples.json', import.meta.url);
const dir = mkdtempSync(path.join(tmpdir(), 'gerbang-examples-'));
const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir, LOG_LEVEL: 'silent', BPJS_PROVIDER: 'snapshot' });
const database = await openPglite(dir);
await migratePgliteDb(database.client);
const { privateKey: idpKey } = await generateKeyPair('ES256', { extractable: true });
const idpJwk = { ...(await exportJWK(idpKey)), kid: 'examples-idp' };
const { privateKey: auditKey } = await generateKeyPair('ES256', { extractable: true });
const auditSigningKey = await signingKeyFromJwk({ ...(await exportJWK(auditKey)), kid: 'audit-2026-1' });
const LATE_NIK = '1671030107950003';
const keys = {
  authKeys: createLocalJWKSet({ keys: [publicPart(idpJwk)] }),
  auditSigningKey,
  auditPublicKeys: [auditSigningKey.publicJwk],
  pseudonymKey: randomBytes(32),
  logSigningKey: await newLogSigningKey('log-2026-1'),
};
// The example address resolves to a public documentation address (RFC 5737), without DNS.
const webhooks = { deliver: false, resolve: async () => [{ address: '198.51.100.20', family: 4 as const }] };
const app = await buildApp({
  config, database, keys, logger: pino({ level: 'silent' }),
  webhooks,
});
await app.ready();
// POST /v1/projects/{id}/verify needs the live upstream: a second app on the same database, whose
// stand-in for BPJS reports every NIK refreshed (the data imported above is what it would bring).
const liveApp = await buildApp({
  config: { ...config, BPJS_PROVIDER: 'http' }, database, keys, logger: pino({ level: 'silent' }), webhooks,
  provider: {
    name: 'http',
    // The worker added later (never imported) is where BPJS fails to answer: an overridable block.
    refreshMemberships: async (niks) => ({ refreshed: niks.filter((n) => n !== LATE_NIK), notFound: [], failed: niks.filter((n) => n === LATE_NIK) }),
    refreshRegistrations: async (numbers) => ({ refreshed: [...numbers], notFound: [], failed: [] }),
  },
});
await liveApp.ready();

type Role = 'admin' | 'opd' | 'finance' | 'inspector' | 'witness' | 'treasury';
const token = (role: Role, sub = `${role}-contoh`) =>
  mintToken(idpJwk, { sub, roles: [role], ...(role === 'opd' ? { opd: 'DPUPR' } : {}) }, {
    issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM,
  });

const examples: Examples = {};
interface Call { live?: boolean; record?: boolean; method?: string; url: string; role?: Role; sub?: string; contentType?: string; body?: unknown; headers?: Record<string, string>; accept?: string }

/** Sends one request, keeps it and its answer under the operation's id, and returns the parsed answer. */
async function call(operationId: string, c: Call): Promise<any> { // eslint-disable-line -- examples are free-form JSON
  const contentType = c.contentType ?? (c.body === undefined ? undefined : 'application/json');
  const payload = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  const res = await (c.live ? liveApp : app).inject({
    method: (c.method ?? (c.body === undefined ? 'GET' : 'POST')) as 'GET',
    url: c.url,
    headers: {
      ...(c.role ? { authorization: `Bearer ${await token(c.role, c.sub)}` } : {}),
      ...(contentType ? { 'content-type': contentType } : {}),
      ...(c.accept ? { accept: c.accept } : {}),
      ...c.headers,
    },
    ...(payload === undefined ? {} : { payload }),
  });
  if (res.statusCode >= 300) throw new Error(`${operationId} ${c.url}: ${res.statusCode} ${res.body}`);
  const type = String(res.headers['content-type'] ?? '').split(';')[0] as string;
  const answer = type === 'application/json' ? res.json() : res.body;
  if (c.record === false) return answer;
  const entry: OperationExample = (examples[operationId] ??= { url: c.url, role: c.role ?? null, responses: {} });
  if (contentType) {
    entry.request ??= {};
    entry.request[contentType] = c.body;
    if (c.headers) entry.headers = c.headers;
  }
  if (type) (entry.responses[String(res.statusCode)] ??= {})[type] = answer;
  else entry.responses[String(res.statusCode)] ??= {};
  return answer;
}

const RUN = '2026';
const asOf = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const workers = [
  { nik: '1671011505900001', name: 'Ahmad Fauzi', kpj: '25010000001', role: 'TUKANG', startDate: '2026-01-05', endDate: null },
  { nik: '1671025203880002', name: 'Siti Rahmawati', kpj: '25010000002', role: 'MANDOR', startDate: '2026-01-05', endDate: null },
];
const registration = '250120260001';
const membership = (w: (typeof workers)[number]) => ({
  nik: w.nik, kpj: w.kpj, name: w.name, status: 'ACTIVE', programs: ['JKK', 'JKM'], coverageStart: '2026-01-01', coverageEnd: '2027-12-31',
  segment: 'JAKON', projectNumber: registration, employerNpp: null, asOf,
});

await call('healthz', { url: '/healthz' });
await call('readyz', { url: '/readyz' });
await call('listOpds', { url: '/v1/opds', role: 'admin' });
await call('createOpd', { url: '/v1/opds', role: 'admin', body: { code: 'DISKOMINFO', name: 'Dinas Komunikasi dan Informatika' } });
const contractor = await call('createContractor', { url: '/v1/contractors', role: 'admin', body: {
  name: 'PT Musi Konstruksi Utama', nib: '9120301234567', npwp: '01.312.166.0-091.000', bpjsEmployerNumber: '16012345',
} });
await call('listContractors', { url: '/v1/contractors?q=Musi&limit=20', role: 'admin' });
await call('getContractor', { url: `/v1/contractors/${contractor.id}`, role: 'admin' });
const project = await call('createProject', { url: '/v1/projects', role: 'opd', body: {
  code: `PKG-DPUPR-${RUN}-001`, name: 'Rehabilitasi Jalan Demang Lebar Daun', opdCode: 'DPUPR', contractorId: contractor.id,
  fundingSource: 'APBD', fiscalYear: 2026, contractNumber: '027/SPK/DPUPR/2026', contractValue: 1_110_000_000, vatPercent: 11,
  startDate: '2026-01-05', endDate: '2027-12-31', bpjsRegistrationNumber: registration, bpjsPremiumPaid: 875_000,
} });
await call('listProjects', { url: '/v1/projects?opdCode=DPUPR&limit=20', role: 'opd' });
await call('updateProject', { method: 'PATCH', url: `/v1/projects/${project.id}`, role: 'opd', body: { bpjsPremiumPaid: 1_750_000 } });
await call('getProject', { url: `/v1/projects/${project.id}`, role: 'opd' });
const csv = `nik,name,kpj,role,startDate,endDate\n${workers.map((w) => `${w.nik},${w.name},${w.kpj},${w.role},${w.startDate},`).join('\n')}\n`;
await call('replaceRoster', { method: 'PUT', url: `/v1/projects/${project.id}/workers`, role: 'opd', contentType: 'text/csv', body: csv });
await call('replaceRoster', { method: 'PUT', url: `/v1/projects/${project.id}/workers`, role: 'opd', body: { workers } });
await call('listWorkers', { url: `/v1/projects/${project.id}/workers`, role: 'opd' });
await call('importMemberships', { url: '/v1/memberships/import', role: 'admin', body: { records: workers.map(membership) } });
const csvHeader = 'nik,kpj,name,status,programs,coverageStart,coverageEnd,segment,projectNumber,employerNpp,asOf';
const m = membership(workers[0] as (typeof workers)[number]);
await call('importMemberships', { url: '/v1/memberships/import', role: 'admin', contentType: 'text/csv',
  body: `${csvHeader}\n${m.nik},${m.kpj},${m.name},${m.status},JKK;JKM,${m.coverageStart},${m.coverageEnd},${m.segment},${m.projectNumber},,${m.asOf}\n` });
await call('importMemberships', { url: '/v1/memberships/import', role: 'admin', contentType: 'application/x-ndjson',
  body: `${workers.map((w) => JSON.stringify(membership(w))).join('\n')}\n` });
await call('searchMemberships', { url: '/v1/memberships/search', role: 'admin', body: { niks: workers.map((w) => w.nik) } });
const registrationRecord = (over: Record<string, unknown> = {}) => ({
  projectNumber: registration, status: 'PESERTA', contractValue: 1_110_000_000, premiumRequired: 1_750_000, premiumPaid: 1_750_000,
  workersRegistered: workers.length, coverageStart: '2026-01-05', coverageEnd: '2027-12-31', asOf: new Date(Date.now() - 3_600_000).toISOString(), ...over,
});
await call('importRegistrations', { url: '/v1/registrations/import', role: 'admin',
  body: { records: [registrationRecord({ status: 'MENDAFTAR', premiumPaid: 875_000, asOf: new Date(Date.now() - 7_200_000).toISOString() })] } });
await call('importRegistrations', { url: '/v1/registrations/import', role: 'admin', contentType: 'text/csv',
  body: `projectNumber,status,contractValue,premiumRequired,premiumPaid,workersRegistered,coverageStart,coverageEnd,asOf\n${Object.values(registrationRecord()).join(',')}\n` });
await call('importRegistrations', { url: '/v1/registrations/import', role: 'admin', contentType: 'application/x-ndjson',
  body: `${JSON.stringify(registrationRecord())}\n` });
await call('getRegistration', { url: `/v1/registrations/${registration}`, role: 'opd' });
await call('verifyProject', { url: `/v1/projects/${project.id}/verify`, role: 'opd', method: 'POST', live: true });
await call('getProjectCompliance', { url: `/v1/projects/${project.id}/compliance?stage=UANG_MUKA`, role: 'opd' });
const decisionRequest = { projectCode: project.code, stage: 'UANG_MUKA', amount: 150_000_000, requestRef: `SPM-0042/BPKAD/${RUN}` };
const idem = { 'idempotency-key': `spm-0042-${RUN}` };
const decision = await call('decideDisbursement', { url: '/v1/disbursements', role: 'finance', body: decisionRequest, headers: idem });
await call('decideDisbursement', { url: '/v1/disbursements', role: 'finance', body: decisionRequest, headers: idem });
await call('listDisbursements', { url: `/v1/disbursements?projectId=${project.id}&limit=20`, role: 'finance' });
await call('getDisbursement', { url: `/v1/disbursements/${decision.id}`, role: 'inspector' });
await call('replayDisbursement', { url: `/v1/disbursements/${decision.id}/replay`, role: 'inspector' });
await call('getDisbursementReceipt', { url: `/v1/disbursements/${decision.id}/receipt`, role: 'finance' });
await call('voidDisbursement', { url: `/v1/disbursements/${decision.id}/void`, role: 'finance', body: { reason: 'SPM ditolak oleh BUD: lampiran kurang' } });
// A worker added after the payment, whose start date is then corrected and who then leaves.
const added = await call('addWorker', { url: `/v1/projects/${project.id}/workers`, role: 'opd', body: {
  nik: '1671030107950003', name: 'Budi Santoso', kpj: '25010000003', role: 'TUKANG', startDate: '2026-02-01',
} });
// BPJS does not answer for that worker: the next stages are BLOCKED (MEMBERSHIP_UNVERIFIED), which
// finance may ask the treasury to override (maker-checker): one approved, one rejected.
for (const [stage, answer] of [['TERMIN_1', 'approve'], ['TERMIN_2', 'reject']] as const) {
  const blocked = await call('decideDisbursement', { live: true, record: false, url: '/v1/disbursements', role: 'finance',
    body: { projectCode: project.code, stage, amount: 300_000_000, requestRef: `SPM-${stage}/BPKAD/${RUN}` }, headers: { 'idempotency-key': `spm-${stage}-${RUN}` } });
  const asked = await call('requestOverride', { live: true, url: `/v1/disbursements/${blocked.id}/override-requests`, role: 'finance', body: {
    reason: 'Layanan BPJS Ketenagakerjaan tidak menjawab sejak pagi; pekerja terdaftar menurut kartu KPJ', evidenceRef: 'Pengumuman gangguan BPJS 2026-12-07',
  } });
  await call(answer === 'approve' ? 'approveOverride' : 'rejectOverride', { live: true, url: `/v1/override-requests/${asked.id}/${answer}`, role: 'treasury',
    sub: 'kuasa-bud', body: { note: answer === 'approve' ? 'Disetujui: bukti kepesertaan diperiksa manual' : 'Ditolak: lengkapi bukti pembayaran iuran' } });
}
await call('listOverrideRequests', { url: '/v1/override-requests?limit=20', role: 'treasury' });
// The worker BPJS could not confirm puts the project on the Inspektorat's forecast from today.
await call('getForecast', { url: '/v1/forecast?within=30', role: 'inspector' });
await call('correctAssignment', { url: `/v1/projects/${project.id}/workers/${added.assignmentId ?? added.id}/corrections`, role: 'opd', body: {
  startDate: '2026-02-03', reason: 'Mulai bekerja 3 Februari menurut buku harian proyek',
} });
await call('listRosterCorrections', { url: `/v1/roster-corrections?projectId=${project.id}`, role: 'inspector' });
await call('endWorker', { method: 'DELETE', url: `/v1/projects/${project.id}/workers/${added.assignmentId ?? added.id}`, role: 'opd' });
await call('listHolidays', { url: '/v1/holidays?year=2027' });
await call('replaceHolidays', { method: 'PUT', url: '/v1/holidays/2027', role: 'admin', body: { days: [
  { date: '2027-01-01', name: 'Tahun Baru 2027 Masehi' }, { date: '2027-08-17', name: 'Hari Proklamasi Kemerdekaan RI' },
  { date: '2027-12-25', name: 'Kelahiran Yesus Kristus' },
] } });
const hook = await call('createWebhook', { url: '/v1/webhooks', role: 'admin', body: {
  url: 'https://sp2d.bpkad.palembang.go.id/hooks/gerbang', events: ['disbursement.decided', 'disbursement.voided'], opdCode: 'DPUPR',
} });
await call('listWebhooks', { url: '/v1/webhooks', role: 'admin' });
await call('listWebhookDeliveries', { url: `/v1/webhooks/${hook.id}/deliveries`, role: 'admin' });
await call('getWebhookJwks', { url: '/v1/webhooks/jwks.json' });
await call('deleteWebhook', { method: 'DELETE', url: `/v1/webhooks/${hook.id}`, role: 'admin' });
await call('listAuditEvents', { url: '/v1/audit/events?limit=2', role: 'inspector' });
await call('listAuditEvents', { url: '/v1/audit/events?limit=2', role: 'inspector', accept: 'application/x-ndjson' });
await call('listAuditEvents', { url: '/v1/audit/events?limit=2', role: 'inspector', accept: 'text/csv' });
await call('verifyAuditLog', { url: '/v1/audit/verify', role: 'inspector' });
const checkpoint = await call('getAuditCheckpoint', { url: '/v1/audit/checkpoint', role: 'inspector' });
await call('getAuditInclusionProof', { url: `/v1/audit/proof/inclusion?seq=${decision.auditSeq}&treeSize=${checkpoint.treeSize}`, role: 'inspector' });
await call('getAuditConsistencyProof', { url: `/v1/audit/proof/consistency?from=${decision.auditSeq}&to=${checkpoint.treeSize}`, role: 'inspector' });
const { privateKey: witnessKey } = generateKeyPairSync('ed25519');
const witness = noteSignerFromJwk(witnessKey.export({ format: 'jwk' }) as { kty: string; crv: string; d: string; x: string }, 'saksi.unsri.ac.id/gerbang', COSIGNATURE_V1);
await call('registerAuditWitness', { url: '/v1/audit/witnesses', role: 'admin', body: { vkey: verifierKey(witness) } });
const line = cosign(parseCheckpointNote(checkpoint.note).body, witness, BigInt(Math.floor(Date.now() / 1000)));
await call('addAuditCosignature', { url: '/v1/audit/checkpoint/cosignatures', role: 'witness', sub: 'saksi.unsri.ac.id/gerbang', body: { treeSize: checkpoint.treeSize, signatureLine: line } });
await call('getAuditJwks', { url: '/v1/audit/jwks.json' });
// The access log is written in batches within 5 s.
await new Promise((r) => setTimeout(r, 5_500));
await call('listAccessLog', { url: '/v1/audit/access?limit=2', role: 'inspector' });

await liveApp.close();
await app.close();
await database.close();
rmSync(dir, { recursive: true, force: true });
const sorted = Object.fromEntries(Object.entries(examples).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(OUT, `${JSON.stringify(sorted, null, 2)}\n`);
process.stdout.write(`${Object.keys(sorted).length} operations -> ${OUT.pathname}\n`);
