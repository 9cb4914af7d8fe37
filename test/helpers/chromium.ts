// A real headless Chromium (Debian's `chromium`, driven by puppeteer-core, which downloads no
// browser) to check that a report page renders: console errors, every request the page makes,
// the on-screen box of each chart, and a screenshot decoded to pixels. The browser is not our
// code, so it runs without the sanitizer runtime test:asan preloads into Node.
import { spawnSync } from 'node:child_process';
import { PNG } from 'pngjs';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The browser's environment: ours without the sanitizer runtime (Chromium under ASan's preload spins at start-up). */
function browserEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['LD_PRELOAD', 'ASAN_OPTIONS', 'UBSAN_OPTIONS']) delete env[k];
  return env;
}

export function haveChromium(): boolean {
  // A synchronous spawn blocks the test worker, so it gets the clean environment and a time limit.
  return spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', env: browserEnv(), timeout: 30_000 }).status === 0;
}

export async function launchChromium(): Promise<Browser> {
  if (!haveChromium()) throw new Error(`chromium is not installed at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: browserEnv(),
    // No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
}

export interface ChartBox {
  title: string;
  width: number;
  height: number;
  visible: boolean;
  /** Distinct colours in the chart's own screenshot (a blank box has one). */
  colours: number;
}

export interface RenderedPage {
  errors: string[];
  /** Every URL the page asked for after the document itself. */
  requests: string[];
  charts: ChartBox[];
  screenshot: Buffer;
  title: string;
}

/** Distinct colours of a PNG, and the share of its pixels that are not the most common colour. */
export function pngStats(png: Buffer): { width: number; height: number; colours: number; inkShare: number } {
  const img = PNG.sync.read(png);
  const counts = new Map<number, number>();
  for (let i = 0; i < img.data.length; i += 4) {
    const c = (img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2];
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const total = img.width * img.height, top = Math.max(...counts.values());
  return { width: img.width, height: img.height, colours: counts.size, inkShare: (total - top) / total };
}

/** Opens file `path`, waits for it to load, measures every `figure.chart svg`, screenshots the page. */
export async function renderPage(browser: Browser, path: string, opts: { width?: number } = {}): Promise<RenderedPage> {
  const page = await browser.newPage();
  const errors: string[] = [], requests: string[] = [];
  const docUrl = `file://${path}`;
  page.on('console', (m) => void (m.type() === 'error' && errors.push(`console: ${m.text()}`)));
  page.on('pageerror', (e) => void errors.push(`page: ${(e as Error).message ?? e}`));
  page.on('requestfailed', (r) => void errors.push(`request failed: ${r.url()}`));
  page.on('request', (r) => void (r.url() !== docUrl && requests.push(r.url())));
  try {
    await page.setViewport({ width: opts.width ?? 1400, height: 900 });
    await page.goto(docUrl, { waitUntil: 'load', timeout: 30_000 });
    const figures = await page.$$('figure.chart');
    const charts: ChartBox[] = [];
    for (const f of figures) {
      const title = await f.$eval('figcaption', (e) => e.textContent ?? '');
      const svg = await f.$('svg');
      const box = svg ? await svg.boundingBox() : null;
      const visible = svg ? await svg.isVisible() : false;
      const shot = svg && box && box.width > 0 && box.height > 0 ? Buffer.from(await svg.screenshot({ type: 'png' })) : null;
      charts.push({ title, width: box?.width ?? 0, height: box?.height ?? 0, visible, colours: shot ? pngStats(shot).colours : 0 });
    }
    const screenshot = Buffer.from(await page.screenshot({ type: 'png', fullPage: true }));
    return { errors, requests, charts, screenshot, title: await page.title() };
  } finally {
    await page.close();
  }
}
