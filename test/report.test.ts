import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser, type BrowserHandle } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';

const cli = runCli;

const tmp = mkdtempSync(join(tmpdir(), 'rerankit-report-'));
const at = (name: string) => join(tmp, name);

// 16 queries of 8 judged documents; run B ranks by relevance more often than run A (fixed "noise").
const QUERIES = 16;
const lines = { qrels: [] as string[], a: [] as string[], b: [] as string[] };
for (let q = 1; q <= QUERIES; q++) {
  const docs = Array.from({ length: 8 }, (_, j) => ({ id: `d${q}_${j}`, rel: j < 2 ? 2 : j < 4 ? 1 : 0, j }));
  for (const d of docs) lines.qrels.push(`q${q} 0 ${d.id} ${d.rel}`);
  for (const [run, noise, tag] of [[lines.a, 3, 'A'], [lines.b, 1 + (q % 3), 'B']] as const) {
    const scored = docs.map((d) => ({ id: d.id, s: d.rel + (((q * 7 + d.j * 13) % 10) / 10) * noise }));
    scored.sort((x, y) => y.s - x.s).forEach((d, k) => run.push(`q${q} Q0 ${d.id} ${k + 1} ${d.s.toFixed(3)} ${tag}`));
  }
}
writeFileSync(at('qrels'), lines.qrels.join('\n') + '\n');
writeFileSync(at('a.run'), lines.a.join('\n') + '\n');
writeFileSync(at('b.run'), lines.b.join('\n') + '\n');

let browser: BrowserHandle;
before(async () => (browser = await launchBrowser()));
after(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Opens a report with every non-file request refused and recorded. */
async function open(file: string): Promise<{ page: Page; outside: string[] }> {
  const page = await browser.browser.newPage({ viewport: { width: 900, height: 1100 } });
  const outside: string[] = [];
  await page.route('**', (r) => (r.request().url().startsWith('file:') ? r.continue() : (outside.push(r.request().url()), r.abort())));
  await page.goto(`file://${file}`);
  return { page, outside };
}

const rowsOf = (page: Page, id: string) =>
  page.$$eval(`table[data-table="${id}"] tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
/** Bars (vega draws each rect mark as a path) in a chart. */
const barsOf = (page: Page, id: string) => page.locator(`figure[data-chart="${id}"] svg g.mark-rect path`).count();
const close = (cell: string, x: number) => assert.ok(Math.abs(Number(cell) - x) < 5e-5, `${cell} vs ${x}`);
const interval = (cell: string) => cell.replace(/[[\]]/g, '').split(',').map(Number);

describe('rerankit eval/compare --report', () => {
  test('compare: the HTML tables carry the --json figures; charts are SVG with marks; nothing is fetched', async () => {
    const r = cli(['compare', '--qrels', at('qrels'), '--run', at('a.run'), '--run', at('b.run'), '--samples', '500', '--json', '--report', at('c.html')]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { queries: number; metrics: { measure: string; a: number; b: number; delta: number; ci95: [number, number]; p_ttest: number; wins: number; ties: number; losses: number }[] };
    const html = readFileSync(at('c.html'), 'utf8');
    assert.doesNotMatch(html, /<script|<link|src=|https?:\/\/(?!www\.w3\.org)/i, 'self-contained: no scripts, links or remote sources');
    const { page, outside } = await open(at('c.html'));
    const metrics = await rowsOf(page, 'metrics');
    assert.deepEqual(metrics.map((row) => row[0]), json.metrics.map((m) => m.measure));
    json.metrics.forEach((m, i) => {
      const [, a, b, delta, , ci] = metrics[i];
      close(a, m.a), close(b, m.b), close(delta, m.delta);
      const [lo, hi] = interval(ci);
      close(String(lo), m.ci95[0]), close(String(hi), m.ci95[1]);
    });
    const sig = await rowsOf(page, 'significance');
    json.metrics.forEach((m, i) => {
      close(sig[i][2], m.p_ttest);
      assert.deepEqual(sig[i].slice(5).map(Number), [m.wins, m.ties, m.losses]);
    });
    assert.equal(await barsOf(page, 'delta'), json.queries, 'one bar per query');
    assert.ok((await barsOf(page, 'win-tie-loss')) > 0);
    assert.ok((await barsOf(page, 'scores')) > 0);
    const classes = await rowsOf(page, 'error-classes');
    assert.equal(classes.reduce((s, row) => s + Number(row[1]), 0), json.queries, 'every query in one class');
    assert.ok((await page.locator('table[data-table="worst"]').count()) + (await page.getByText('No query got worse').count()) > 0);
    assert.deepEqual(outside, []);
    await page.close();
  });

  test('eval: the metric table equals eval --json; per-query chart has a bar per query', async () => {
    const r = cli(['eval', at('qrels'), at('b.run'), '-m', 'ndcg_cut.10', '-m', 'map', '--json', '--report', at('e.html')]);
    assert.equal(r.code, 0, r.stderr);
    const all = (JSON.parse(r.stdout) as { all: Record<string, number> }).all;
    const { page, outside } = await open(at('e.html'));
    const rows = await rowsOf(page, 'metrics');
    assert.deepEqual(rows.map((row) => row[0]).sort(), ['map', 'ndcg_cut_10']);
    for (const [measure, mean, ci] of rows) {
      close(mean, all[measure]);
      const [lo, hi] = interval(ci);
      assert.ok(lo <= all[measure] && all[measure] <= hi, `${measure}: ${ci} holds the mean`);
    }
    assert.equal(await barsOf(page, 'per-query'), QUERIES);
    assert.ok((await barsOf(page, 'scores')) > 0);
    assert.equal(await page.locator('#latency').count(), 0, 'eval of a run file measures no latency: no section');
    assert.deepEqual(outside, []);
    await page.close();
  });

  test('eval with a reranker: latency percentiles of the rerank calls, and the reranking against the first stage it reordered', async () => {
    const words = 'apple banana cherry river mountain engine quantum violin garden ocean'.split(' ');
    const lists = [];
    const judged = [];
    for (let q = 1; q <= 6; q++) {
      const candidates = Array.from({ length: 5 }, (_, j) => ({ docid: `q${q}d${j}`, text: Array.from({ length: 5 }, (_, k) => words[(q + j + k) % 10]).join(' '), score: 5 - j }));
      for (let j = 0; j < 5; j++) judged.push(`q${q} 0 q${q}d${j} ${j === q % 5 || j === (q + 2) % 5 ? 1 : 0}`);
      lists.push(JSON.stringify({ qid: `q${q}`, query: `${words[q]} ${words[q + 1]}`, candidates }));
    }
    writeFileSync(at('cands.jsonl'), lists.join('\n') + '\n');
    writeFileSync(at('cands.qrels'), judged.join('\n') + '\n');
    const base = ['eval', '--candidates', at('cands.jsonl'), '--qrels', at('cands.qrels'), '-m', 'ndcg_cut.10', '-m', 'map', '--json'];
    const first = (JSON.parse(cli(base).stdout) as { all: Record<string, number> }).all;
    const r = cli([...base, '--model', fileURLToPath(new URL('./fixtures/models/bert-ce-tiny', import.meta.url)), '--report', at('ce.html')]);
    assert.equal(r.code, 0, r.stderr);
    const reranked = (JSON.parse(r.stdout) as { all: Record<string, number> }).all;
    const { page, outside } = await open(at('ce.html'));
    const [latency] = await rowsOf(page, 'latency');
    assert.equal(Number(latency[0]), 6, 'one rerank call per query');
    const [mean, p50, p90, p99, max] = latency.slice(1).map(Number);
    assert.ok(mean > 0 && p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, latency.join(' '));
    for (const [measure, a, b] of await rowsOf(page, 'rerank-metrics')) close(a, first[measure]), close(b, reranked[measure]);
    assert.equal(await barsOf(page, 'delta'), 6);
    assert.deepEqual(outside, []);
    await page.close();
  });

  test('--report out.md: Markdown tables with the same figures; no SVG', () => {
    const r = cli(['compare', '--qrels', at('qrels'), '--run', at('a.run'), '--run', at('b.run'), '--samples', '500', '-m', 'map', '--json', '--report', at('c.md')]);
    assert.equal(r.code, 0, r.stderr);
    const m = (JSON.parse(r.stdout) as { metrics: { a: number; b: number }[] }).metrics[0];
    const md = readFileSync(at('c.md'), 'utf8');
    assert.doesNotMatch(md, /<svg/);
    const row = md.split('\n').find((l) => l.startsWith('| map |'))!.split('|').map((c) => c.trim());
    close(row[2], m.a), close(row[3], m.b);
    assert.match(md, /## Significance\n\n\| measure \| t \|/);
    const e = cli(['eval', at('qrels'), at('a.run'), '-m', 'map', '--report', at('e.md')]);
    assert.equal(e.code, 0, e.stderr);
    const mapLine = e.stdout.split('\n').find((l) => l.startsWith('map'))!;
    const evalRow = readFileSync(at('e.md'), 'utf8').split('\n').find((l) => l.startsWith('| map |'))!.split('|').map((c) => c.trim());
    close(evalRow[2], Number(mapLine.split(/\s+/).at(-1)));
  });

  test('a report file of another kind, or of three runs, is a usage error before any work', () => {
    for (const args of [
      ['eval', at('qrels'), at('a.run'), '--report', at('out.pdf')],
      ['compare', '--qrels', at('qrels'), '--run', at('a.run'), '--run', at('b.run'), '--report', at('out.txt')],
      ['compare', '--qrels', at('qrels'), '--run', at('a.run'), '--run', at('b.run'), '--run', at('a.run'), '--report', at('three.html')],
    ]) {
      const r = cli(args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /rerankit: error \[RERANK_USAGE\]: .*--report/);
      assert.equal(r.stdout, '', 'nothing evaluated');
    }
    assert.ok(!existsSync(at('out.pdf')) && !existsSync(at('three.html')));
  });
});
