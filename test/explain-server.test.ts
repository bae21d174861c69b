/**
 * `explain` over real HTTP in every rerank dialect (weights checked against the model called directly
 * on the occluded texts), its errors in the dialect's shape, and `rerankit rerank --explain`.
 */
import assert from 'node:assert/strict';
import { runCli } from './helpers/cli.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import type { RunningServer } from '../src/server/start.js';
import { BERT, call, serve } from './server-helpers.js';

const query = 'configure api keys';
const docs = ['manage api keys here', 'shoe charms'];
const near = (a: number, b: number, why: string) => assert.ok(Math.abs(a - b) < 2e-5, `${why}: ${a} vs ${b}`);

describe('explain over HTTP and on the command line', () => {
  let server: RunningServer;
  let ce: CrossEncoder;
  before(async () => {
    server = await serve({ models: [BERT] });
    ce = await CrossEncoder.load(BERT);
  });
  after(async () => {
    await server?.close();
    await ce?.close();
  });

  /** Checks one answer's results against the model on hand-made occluded texts. */
  const checkExplained = async (results: { index: number; explanation: any }[]) => {
    assert.equal(results.length, 2);
    for (const r of results) {
      const doc = docs[r.index]!;
      const e = r.explanation;
      assert.equal(e.method, 'occlusion');
      const ws = doc.split(' ');
      assert.deepEqual(e.document.map((a: any) => doc.slice(a.start, a.end)), ws);
      const [base, ...without] = await ce.score([[query, doc], ...ws.map((_, j): [string, string] => [query, ws.filter((__, k) => k !== j).join(' ')])]);
      e.document.forEach((a: any, j: number) => near(a.weight, base!.score - without[j]!.score, ws[j]!));
      assert.equal(e.query.length, 3);
    }
  };

  it('adds explanations on /v1/rerank, /v2/rerank and /rerank (TEI and Infinity)', async () => {
    const v1 = await call(server.url, '/v1/rerank', { query, documents: docs, explain: true });
    assert.equal(v1.status, 200, v1.text);
    await checkExplained(v1.body.results);
    const v2 = await call(server.url, '/v2/rerank', { query, documents: docs, explain: { max_calls: 100 } });
    assert.equal(v2.status, 200, v2.text);
    await checkExplained(v2.body.results);
    const tei = await call(server.url, '/rerank', { query, texts: docs, explain: true });
    assert.equal(tei.status, 200, tei.text);
    await checkExplained(tei.body);
    const inf = await call(server.url, '/rerank', { query, documents: docs, explain: true });
    assert.equal(inf.status, 200, inf.text);
    await checkExplained(inf.body.results);
    const plain = await call(server.url, '/v2/rerank', { query, documents: docs });
    assert.equal(plain.body.results[0].explanation, undefined, 'only when asked');
  });

  it('scores the occluded pairs through the served model\'s cache and batcher', async () => {
    const counter = async (name: string) => {
      const text = (await call(server.url, '/metrics')).text;
      return Number(new RegExp(`^${name}\\{model="bert-ce-tiny"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    };
    const q = 'rotate old keys';
    const before = { hits: await counter('rerankit_cache_hits_total'), misses: await counter('rerankit_cache_misses_total') };
    const first = await call(server.url, '/v2/rerank', { query: q, documents: docs, explain: true });
    const calls = first.body.results.reduce((n: number, r: any) => n + r.explanation.calls, 0);
    const mid = { hits: await counter('rerankit_cache_hits_total'), misses: await counter('rerankit_cache_misses_total') };
    assert.equal(mid.misses - before.misses + mid.hits - before.hits, docs.length + calls, 'every occluded pair went through the served path');
    const again = await call(server.url, '/v2/rerank', { query: q, documents: docs, explain: true });
    assert.deepEqual(again.body.results, first.body.results);
    assert.equal(await counter('rerankit_cache_misses_total'), mid.misses, 'the repeat is all cache hits, explanation included');
  });

  it('explains a served reranker without score(pairs) through its rerank() calls', async () => {
    // The real model behind the plain Reranker interface, as an LLM, hosted API or pipeline is served.
    server.pool.add('list-only', 'pipeline', { name: 'list-only', rerank: (q, d, o) => ce.rerank(q, d, o), close: async () => {} });
    const r = await call(server.url, '/v1/rerank', { model: 'list-only', query, documents: docs, explain: true });
    assert.equal(r.status, 200, r.text);
    await checkExplained(r.body.results);
  });

  it('honours the cap and refuses bad explain values in the dialect\'s shape', async () => {
    const capped = await call(server.url, '/v1/rerank', { query, documents: docs, explain: { max_calls: 4 } });
    assert.equal(capped.status, 200, capped.text);
    const calls = capped.body.results.reduce((n: number, r: any) => n + r.explanation.calls, 0);
    assert.ok(calls <= 4 && calls > 0, `calls ${calls}`);
    const zero = await call(server.url, '/v2/rerank', { query, documents: docs, explain: { max_calls: 0 } });
    assert.equal(zero.status, 400);
    assert.equal(zero.body.code, 'RERANK_BAD_OPTION');
    assert.equal(typeof zero.body.message, 'string');
    const typo = await call(server.url, '/rerank', { query, texts: docs, explain: 'yes' });
    assert.ok(typo.status >= 400 && typo.status < 500, typo.text);
    assert.equal(typeof typo.body.error, 'string', 'TEI error shape');
    const huge = await call(server.url, '/v1/rerank', { query, documents: docs, explain: { max_calls: 1e6 } });
    assert.equal(huge.body.code, 'RERANK_LIMIT');
  });

  it('rerankit rerank --explain prints each result\'s explanation', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rerankit-explain-'));
    try {
      const file = join(tmp, 'docs.jsonl');
      writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n'));
      const run = (extra: string[]) => runCli(['rerank', '--model', BERT, '-q', query, '-d', file, ...extra]);
      const r = run(['--explain']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.results.length, 2);
      for (const res of out.results) assert.ok(res.explanation.document.length === docs[res.index]!.split(' ').length);
      const bad = run(['--explain', '--explain-calls', '0']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /rerankit: error \[/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
