/**
 * The playground in a real browser (Debian's chromium through playwright-core) against a real server
 * on 127.0.0.1 serving two fixture cross-encoders, a saved BM25 index and an API key: the key prompt,
 * a keyboard-run rerank whose results match the server's own /v1/rerank answer, highlights, two
 * models side by side with their SVG lines, index search, a narrow window, and --no-ui.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { buildRetriever, saveRetriever } from '../src/retrieval/index.js';
import { buildServer } from '../src/server/app.js';
import { DEFAULTS } from '../src/server/settings.js';
import type { RunningServer } from '../src/server/start.js';
import { launchBrowser, type BrowserHandle } from './helpers/browser.js';
import { BERT, XLMR, call, serve } from './server-helpers.js';

const KEY = 's3cret-key';
const auth = { authorization: `Bearer ${KEY}` };
const query = 'configure api keys';
const docs = ['shoe charms for clogs', 'manage api keys in elasticsearch', 'bucket key configuration', 'kibana dashboards'];
const corpus = [
  { id: 'a', text: 'api keys let clients call the cluster' },
  { id: 'b', text: 'configure the keys of a keyboard' },
  { id: 'c', text: 'shoes and clogs for kids' },
  { id: 'd', text: 'configure api access for a cluster' },
];

describe('the playground at /ui, in Chromium', () => {
  let server: RunningServer;
  let handle: BrowserHandle;
  let page: Page;
  const tmp = mkdtempSync(join(tmpdir(), 'rerankit-ui-'));

  before(async () => {
    const index = join(tmp, 'index');
    await saveRetriever(index, await buildRetriever('bm25', corpus, { language: 'en' }));
    server = await serve({ models: [`bert=${BERT}`, `xlmr=${XLMR}`], apiKeys: [KEY], index });
    handle = await launchBrowser();
    page = await handle.browser.newPage({ viewport: { width: 1200, height: 900 } });
    // Nothing but the server itself may be asked for anything.
    await page.route('**/*', (route) => (route.request().url().startsWith(server.url) || route.request().url().startsWith('data:') ? route.continue() : route.abort()));
  });
  after(async () => {
    await handle?.close();
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const results = (column = 0) => page.locator('.column').nth(column).locator('[data-testid=result]');

  it('asks for the API key on 401, says when it is wrong, and keeps it for the session', async () => {
    const outside: string[] = [];
    page.on('request', (r) => void (!r.url().startsWith(server.url) && !r.url().startsWith('data:') && outside.push(r.url())));
    await page.goto(`${server.url}/ui`);
    const dialog = page.locator('#key-dialog');
    await dialog.waitFor({ state: 'visible' });
    await dialog.locator('input[name=apikey]').fill('wrong');
    await dialog.locator('input[name=apikey]').press('Enter');
    await page.waitForFunction(() => /invalid/i.test(document.querySelector('#key-reason')!.textContent ?? ''));
    await dialog.locator('input[name=apikey]').fill(KEY);
    await dialog.locator('input[name=apikey]').press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('select[name=model] option').length === 2);
    assert.deepEqual(await page.locator('select[name=model] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), ['bert', 'xlmr']);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('rerankit-api-key')), KEY);
    assert.deepEqual(outside, [], 'loads nothing from outside the server');
  });

  it('reranks from the keyboard: results match the server\'s own answer, with highlights inside them', async () => {
    await page.fill('textarea[name=query]', query);
    await page.fill('textarea[name=documents]', docs.map((d) => JSON.stringify({ text: d })).join('\n'));
    await page.selectOption('select[name=model]', 'bert');
    await page.focus('textarea[name=query]');
    await page.keyboard.press('Control+Enter');
    await page.locator('[data-testid=result]').first().waitFor();
    const shown = await results().evaluateAll((els) => els.map((e) => ({ index: Number((e as HTMLElement).dataset.index), score: Number((e as HTMLElement).dataset.score) })));
    const own = await call(server.url, '/v1/rerank', { model: 'bert', query, documents: docs }, auth);
    assert.equal(own.status, 200);
    assert.deepEqual(shown, own.body.results.map((r: any) => ({ index: r.index, score: r.relevance_score })));
    for (const r of await results().all()) {
      const marks = r.locator('[data-testid=highlight]');
      assert.ok((await marks.count()) > 0, 'each result has highlights');
      const doc = docs[Number(await r.getAttribute('data-index'))]!;
      for (const text of await marks.allTextContents()) assert.ok(doc.includes(text) || query.includes(text), `"${text}" is part of the texts`);
    }
    assert.match(await page.locator('.stats').first().textContent() ?? '', /\d+ ms .* tokens/);
  });

  it('shows two models side by side with a line joining each document\'s two positions', async () => {
    await page.selectOption('select[name=model2]', 'xlmr');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('.column').length === 2 && document.querySelectorAll('[data-testid=lines] path').length === 4);
    const own = await call(server.url, '/v1/rerank', { model: 'xlmr', query, documents: docs }, auth);
    assert.deepEqual(await results(1).evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.index))), own.body.results.map((r: any) => r.index));
    // Each line starts beside the document's row on the left and ends beside its row on the right.
    // A string, so the bundler adds no helpers to code that runs in the page.
    const geometry: number[][] = await page.evaluate(`(() => {
      const svg = document.querySelector('[data-testid=lines]');
      const box = svg.getBoundingClientRect();
      function centre(col, index) {
        const r = document.querySelectorAll('.column')[col].querySelector('[data-index="' + index + '"]').getBoundingClientRect();
        return r.top + r.height / 2 - box.top;
      }
      return [...svg.querySelectorAll('path')].map(function (p) {
        const m = /^M0 ([\\d.]+) .* ([\\d.]+)$/.exec(p.getAttribute('d'));
        const i = p.getAttribute('data-index');
        return [Number(m[1]), centre(0, i), Number(m[2]), centre(1, i)];
      });
    })()`);
    for (const [y1, a, y2, b] of geometry) {
      assert.ok(Math.abs(y1! - a!) < 1 && Math.abs(y2! - b!) < 1, JSON.stringify(geometry));
    }
    const shot = join(tmp, 'side-by-side.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
  });

  it('searches the served index: first stage, then each model\'s reranking', async () => {
    await page.check('input[name=source][value=index]');
    await page.fill('textarea[name=query]', 'configure api keys');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('.column').length === 3);
    const own = await call(server.url, '/v1/search', { model: 'bert', query: 'configure api keys', k: 20 }, auth);
    assert.equal(own.status, 200, own.text);
    const candidates = page.locator('.column').first().locator('[data-testid=candidate]');
    assert.deepEqual(await candidates.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.score))), own.body.first_stage.map((h: any) => h.score));
    assert.ok((await candidates.first().locator('[data-testid=highlight]').count()) > 0, 'BM25 terms are highlighted');
    assert.deepEqual(await results(1).evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.score))), own.body.results.map((r: any) => r.score));
    await page.check('input[name=source][value=list]');
  });

  it('stays readable in a narrow window: one column, no sideways scrolling, positions as text', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('.column').length === 2);
    const layout = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, width: innerWidth,
      gutter: getComputedStyle(document.querySelector('.gutter')!).display,
      where: document.querySelector('[data-testid=result] .where')!.textContent,
    }));
    assert.ok(layout.scroll <= layout.width, JSON.stringify(layout));
    assert.equal(layout.gutter, 'none');
    assert.match(layout.where ?? '', /^#\d in xlmr$/);
    await page.screenshot({ path: join(tmp, 'narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  it('rerankit serve --index DIR --no-ui: searches the index, serves no page', async () => {
    const entry = "import { main } from './src/cli/main.ts'; await main(['node', 'rerankit', ...process.argv.slice(1)]);";
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, 'serve', '--model', BERT, '--port', '0', '--log-level', 'silent', '--index', join(tmp, 'index'), '--no-ui'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let seen = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          seen += d.toString();
          const m = /listening on (\S+)[\s\S]*ready:/.exec(seen);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${seen}`)));
      });
      assert.doesNotMatch(seen, /playground/);
      assert.equal((await call(url, '/ui/')).status, 404);
      const index = await call(url, '/v1/index');
      assert.deepEqual(index.body, { retriever: 'bm25', documents: corpus.length });
      const search = await call(url, '/v1/search', { query: 'api keys', k: 2 });
      assert.deepEqual(search.body.first_stage.map((h: any) => h.id), (await (await buildRetriever('bm25', corpus, { language: 'en' })).search('api keys', 2)).map((h) => h.id));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
  });

  it('is off with ui: false (--no-ui)', async () => {
    const off = await buildServer({ ...DEFAULTS, logLevel: 'silent', ui: false });
    const on = await buildServer({ ...DEFAULTS, logLevel: 'silent' });
    try {
      assert.equal((await off.app.inject({ url: '/ui/' })).statusCode, 404);
      const page = await on.app.inject({ url: '/ui/' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /textarea[^>]*name="query"/);
    } finally {
      await off.app.close();
      await on.app.close();
    }
  });
});
