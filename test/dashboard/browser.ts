// Chromium driven by playwright-core for the dashboard's browser tests: Debian's /usr/bin/chromium
// (no browser download), headless, with the flags that keep it off the network; a page's weight and
// load time from the Navigation and Resource Timing APIs; axe-core run inside the page.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(process.env.DASHBOARD_SCREENSHOTS_DIR ?? 'test-artifacts/dashboard');

export function launch(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 90_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

export interface PageMetrics {
  page: string;
  /** Bytes of the HTML and every resource it loaded (CSS, htmx), uncompressed. */
  bytes: number;
  /** The same as they travelled (assets gzip-compressed), before any caching. */
  transferBytes: number;
  /** From navigation start to the end of the load event. */
  loadMs: number;
}

// The code below runs inside the page; it is written as text because the project's TypeScript has
// no DOM library (the server never runs in a browser).
const MEASURE = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const sum = (key) => resources.reduce((s, r) => s + r[key], 0);
  return { doc: nav.decodedBodySize, res: sum('decodedBodySize'), docWire: nav.encodedBodySize, resWire: sum('encodedBodySize'),
    load: nav.loadEventEnd - nav.startTime };
})()`;

export async function metricsOf(page: Page, name: string): Promise<PageMetrics> {
  const m = (await page.evaluate(MEASURE)) as { doc: number; res: number; docWire: number; resWire: number; load: number };
  return { page: name, bytes: m.doc + m.res, transferBytes: m.docWire + m.resWire, loadMs: Math.round(m.load) };
}

/** The page must not scroll sideways: nothing wider than the window. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: AXE });
  const found = (await page.evaluate(`axe.run(document).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`)) as AxeViolation[];
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
