// The dashboard in a real browser (Chromium via playwright-core), against the real app listening on
// 127.0.0.1 with real PostgreSQL: sign-in, registering a project, a roster upload with a bad line,
// a blocked project's explanation, the Inspektorat's chart, the phone width, and axe-core. Every
// page is screenshot (desktop and 390 px) and its weight and load time recorded.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { SCREENSHOTS, horizontalOverflow, launch, metricsOf, screenshot, seriousViolations, type PageMetrics } from './browser.ts';
import { clock, seedScenario, type Scenario } from './support.ts';

const STEP = 45_000;
let t: TestApp;
let s: Scenario;
let base: string;
let browser: Browser;
const metrics: PageMetrics[] = [];
const visited: Array<{ name: string; url: string; role: 'opd' | 'inspector' | 'admin' }> = [];

beforeAll(async () => {
  const started = Date.now();
  t = await buildTestApp({ clock });
  s = await seedScenario(t);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launch();
  console.log(`browser tests: set-up ${Date.now() - started} ms`);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (metrics.length > 0) {
    writeFileSync(path.join(SCREENSHOTS, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    console.table(metrics);
  }
});

async function signedIn(role: 'opd' | 'inspector' | 'admin', viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'id-ID', bypassCSP: true });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  await page.goto(`${base}/app/dev-login?role=${role}${role === 'opd' ? '&opd=DPUPR' : ''}`);
  return { context, page };
}

/** Opens a page, measures it, checks it with axe-core and screenshots it. */
async function visit(page: Page, url: string, name: string, role: 'opd' | 'inspector' | 'admin'): Promise<void> {
  const res = await page.goto(`${base}${url}`, { waitUntil: 'load' });
  expect(res?.status(), url).toBe(200);
  metrics.push(await metricsOf(page, name));
  visited.push({ name, url, role });
  await screenshot(page, name);
  expect(await seriousViolations(page), name).toEqual([]);
}

describe('OPD staff in the browser', () => {
  let context: BrowserContext;
  let page: Page;
  let newProjectUrl = '';

  afterAll(async () => context?.close());

  it('signs in through the development sign-in form and lands on their projects', async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    await page.goto(`${base}/app`);
    expect(new URL(page.url()).pathname).toBe('/app/dev-login');
    metrics.push(await metricsOf(page, 'dev-login'));
    await screenshot(page, 'dev-login');
    expect(await seriousViolations(page)).toEqual([]);
    await page.selectOption('#role', 'opd');
    await page.selectOption('#opd', 'DPUPR');
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(`${base}/app`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Paket DPUPR');
    await expect(page.getByRole('link', { name: s.blocked.code }).isVisible()).resolves.toBe(true);
    await visit(page, '/app', 'opd-projects', 'opd');
  }, STEP);

  it('registers a project through the form', async () => {
    await visit(page, '/app/projects/new', 'project-new', 'opd');
    await page.fill('#f-code', 'DPUPR-2025-WEB');
    await page.fill('#f-name', 'Peningkatan Jalan Kolonel Atmo');
    await page.fill('#f-contractNumber', '602.1/SPK/031/DPUPR/2025');
    await page.fill('#f-contractValue', '1.110.000.000');
    await page.fill('#f-startDate', '2025-08-01');
    await page.fill('#f-endDate', '2026-02-28');
    await page.getByRole('button', { name: 'Daftarkan' }).click();
    await page.waitForURL(/\/app\/projects\/[0-9a-f-]{36}\?created=1$/);
    newProjectUrl = new URL(page.url()).pathname;
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Paket terdaftar');
    await expect(page.getByText('Peningkatan Jalan Kolonel Atmo').first().isVisible()).resolves.toBe(true);
  }, STEP);

  it('uploads a roster with a bad line and sees that line, in place, with what is wrong', async () => {
    const csv = [
      'nik,name,kpj,role,startDate,endDate',
      `${s.workers.ok.nik},Ahmad Fauzi,,TUKANG,2025-08-01,`,
      '16710101900001,Rudi Hartono,,TUKANG,2025-08-01,',
      `${s.workers.unknown.nik},Citra Lestari,,MANDOR,2025-08-01,`,
    ].join('\n');
    await page.setInputFiles('#roster', { name: 'pekerja.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Unggah' }).click();
    await page.waitForSelector('#upload-errors');
    const alert = page.locator('#upload-errors');
    await expect(alert.textContent()).resolves.toContain('1 baris bermasalah di pekerja.csv');
    const bad = page.locator('.csv-lines li.bad');
    await expect(bad.count()).resolves.toBe(1);
    await expect(bad.textContent()).resolves.toMatch(/baris 3\s*16710101900001,Rudi Hartono/);
    await expect(bad.locator('.msg').textContent()).resolves.toContain('nik');
    metrics.push(await metricsOf(page, 'roster-upload-errors'));
    await screenshot(page, 'roster-upload-errors');
    expect(await seriousViolations(page)).toEqual([]);

    const good = [csv.split('\n')[0], csv.split('\n')[1], csv.split('\n')[3]].join('\n');
    await page.setInputFiles('#roster', { name: 'pekerja.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.getByRole('button', { name: 'Unggah' }).click();
    await page.waitForURL(/roster=2-0-0-2/);
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('2 ditambah');
    await visit(page, `${newProjectUrl}/edit`, 'project-edit', 'opd');
  }, STEP);

  it('learns who blocks a project and why, worker by worker, and runs the BPJS check in place', async () => {
    await visit(page, `/app/projects/${s.blocked.id}`, 'project-blocked', 'opd');
    await expect(page.getByRole('heading', { name: 'Siapa yang memblokir (3)' }).isVisible()).resolves.toBe(true);
    const who = page.locator('section[aria-labelledby="who"] .reason');
    await expect(who.count()).resolves.toBe(3);
    const text = (await who.allTextContents()).join('\n');
    expect(text).toContain(s.workers.inactive.name);
    expect(text).toContain('Kepesertaan tidak aktif');
    expect(text).toContain('minta penyedia jasa mengaktifkan kembali');
    expect(text).toContain(s.workers.noJkm.name);
    expect(text).toContain('Tanpa JKK dan JKM');
    expect(text).toContain(s.workers.unknown.name);
    expect(text).not.toContain(s.workers.ok.name);
    // htmx (served by the app itself) swaps the outcome into the page without leaving it.
    await page.getByRole('button', { name: 'Periksa sekarang' }).click();
    await page.waitForSelector('#verify-result .alert');
    await expect(page.locator('#verify-result').textContent()).resolves.toContain('BPJS_PROVIDER=snapshot');
    expect(new URL(page.url()).pathname).toBe(`/app/projects/${s.blocked.id}`);
    await visit(page, '/app/decisions', 'opd-decisions', 'opd');
  }, STEP);

  it('switches to English', async () => {
    await page.goto(`${base}/app/projects/${s.blocked.id}`);
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${base}/app/projects/${s.blocked.id}`);
    await expect(page.getByRole('heading', { name: 'Who blocks it (3)' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'project-blocked-en');
    await page.getByRole('link', { name: 'Bahasa Indonesia' }).click();
    await page.waitForURL(`${base}/app/projects/${s.blocked.id}`);
  }, STEP);
});

describe('the Inspektorat in the browser', () => {
  let context: BrowserContext;
  let page: Page;

  afterAll(async () => context?.close());

  it('sees the overview with a chart of decisions over time and of the reasons that block most', async () => {
    ({ context, page } = await signedIn('inspector'));
    await visit(page, '/app', 'inspector-overview', 'inspector');
    const weeks = page.locator('svg[aria-labelledby="weeks-title"]');
    await expect(weeks.locator('rect[fill="#1f8a5b"]').count()).resolves.toBe(1);
    await expect(weeks.locator('rect[fill="#c62828"]').count()).resolves.toBe(1);
    const box = await weeks.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    const reasons = page.locator('svg[aria-labelledby="reasons-title"]');
    await expect(reasons.textContent()).resolves.toContain('Kepesertaan tidak aktif');
    await expect(page.getByRole('cell', { name: 'PT Musi Jaya Konstruksi' }).isVisible()).resolves.toBe(true);
  }, STEP);

  it('opens a decision with its evidence and replays it', async () => {
    await visit(page, `/app/decisions/${s.blockedDecisionId}`, 'decision', 'inspector');
    await page.getByRole('button', { name: 'Ulangi evaluasi (replay)' }).click();
    await page.waitForSelector('#replay .notice');
    await expect(page.locator('#replay').textContent()).resolves.toContain('keputusan yang sama (BLOCKED)');
    await visit(page, '/app/decisions', 'decisions', 'inspector');
    await visit(page, '/app/projects', 'inspector-projects', 'inspector');
  }, STEP);

  it('verifies the audit chain and downloads the export', async () => {
    await visit(page, '/app/audit', 'audit', 'inspector');
    await page.getByRole('button', { name: 'Verifikasi sekarang' }).click();
    await page.waitForSelector('#verify-chain .notice');
    await expect(page.locator('#verify-chain').textContent()).resolves.toContain('Rantai utuh');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Semua kejadian audit (CSV)' }).click()]);
    expect(download.suggestedFilename()).toBe('gerbang-audit.csv');
  }, STEP);

  it('lets the admin register a contractor', async () => {
    const admin = await signedIn('admin');
    try {
      await visit(admin.page, '/app/contractors', 'contractors', 'admin');
    } finally {
      await admin.context.close();
    }
  }, STEP);
});

describe('on a phone (390 px wide)', () => {
  it('never scrolls sideways on any page', async () => {
    const phones = new Map<string, { context: BrowserContext; page: Page }>();
    try {
      for (const v of visited) {
        let phone = phones.get(v.role);
        if (!phone) {
          phone = await signedIn(v.role, { width: 390, height: 844 });
          phones.set(v.role, phone);
        }
        const res = await phone.page.goto(`${base}${v.url}`, { waitUntil: 'load' });
        expect(res?.status(), v.url).toBe(200);
        expect(await horizontalOverflow(phone.page), v.name).toBeLessThanOrEqual(0);
        await screenshot(phone.page, `phone-${v.name}`);
      }
      expect(visited.length).toBeGreaterThanOrEqual(10);
    } finally {
      for (const p of phones.values()) await p.context.close();
    }
  }, 120_000);
});
