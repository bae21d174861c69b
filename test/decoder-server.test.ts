// `rerankit serve` with the decoder fixtures (detected from config.json, no kind given): every dialect
// answers with the reference's scores, and the raw-score routes (TEI/Infinity raw_scores, Metarank)
// return the result's raw field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../src/server/start.js';
import { DECODERS, defaultCases, expected, type DecoderCase } from './helpers/decoders.js';
import { modelDir } from './helpers/fixtures.js';
import { call, serve } from './server-helpers.js';

const TOL = 1e-4;

describe('rerankit serve with decoder LLM rerankers, every dialect', () => {
  // One server per model: TEI bodies name no model, so each fixture must be the served default once.
  const servers = new Map<string, RunningServer>();
  before(async () => {
    for (const name of DECODERS) servers.set(name, await serve({ models: [modelDir(name)] }));
  });
  after(async () => Promise.all([...servers.values()].map((s) => s.close())));

  /** One query's reference cases of a fixture (no truncation: the server's default max length gives the same prompts). */
  const request = (name: string) => {
    const all = defaultCases(name).filter((c) => !c.truncated);
    const cases = all.filter((c) => c.query === all[0]!.query);
    return { query: cases[0]!.query, cases, documents: cases.map((c) => c.document) };
  };
  const bestFirst = (cases: DecoderCase[]) => cases.map((c, i) => [i, expected(c).score] as const).sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([i]) => i);
  const near = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= TOL, `${what}: ${got} vs reference ${want}`);

  for (const name of DECODERS) {
    it(`${name}: Cohere v1 / Jina, Cohere v2, TEI, Infinity and Metarank`, async () => {
      const server = servers.get(name)!;
      const { query, cases, documents } = request(name);
      assert.ok(cases.length >= 2);
      const order = bestFirst(cases);
      for (const path of ['/v1/rerank', '/v2/rerank']) {
        const r = await call(server.url, path, { model: name, query, documents });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body.results.map((x: { index: number }) => x.index), order, path);
        for (const x of r.body.results) near(x.relevance_score, expected(cases[x.index]!).score, `${path} doc ${x.index}`);
      }
      const tei = await call(server.url, '/rerank', { model: name, query, texts: documents, raw_scores: true });
      assert.equal(tei.status, 200, tei.text);
      for (const x of tei.body) near(x.score, expected(cases[x.index]!).raw, `TEI raw_scores doc ${x.index}`);
      const teiScores = await call(server.url, '/rerank', { model: name, query, texts: documents });
      for (const x of teiScores.body) near(x.score, expected(cases[x.index]!).score, `TEI doc ${x.index}`);
      const inf = await call(server.url, '/rerank', { model: name, query, documents, raw_scores: true });
      assert.equal(inf.body.object, 'rerank');
      for (const x of inf.body.results) near(x.relevance_score, expected(cases[x.index]!).raw, `Infinity raw_scores doc ${x.index}`);
      // Metarank: pairs of two queries in input order, raw scores.
      const other = defaultCases(name).find((c) => c.query !== query && !c.truncated)!;
      const pairs = [...cases, other];
      const meta = await call(server.url, `/inference/cross/${name}`, { input: pairs.map((c) => ({ query: c.query, text: c.document })) });
      assert.equal(meta.status, 200, meta.text);
      assert.equal(meta.body.scores.length, pairs.length);
      meta.body.scores.forEach((s: number, i: number) => near(s, expected(pairs[i]!).raw, `Metarank pair ${i}`));
    });
  }

  it('requests for several queries arriving together share batches and keep their own scores', async () => {
    const name = 'qwen3-reranker-tiny';
    const server = servers.get(name)!;
    const cases = defaultCases(name).filter((c) => !c.truncated && c.query !== '');
    const queries = [...new Set(cases.map((c) => c.query))];
    const answers = await Promise.all(queries.map((q) => call(server.url, '/v2/rerank', { model: name, query: q, documents: cases.filter((c) => c.query === q).map((c) => c.document) })));
    answers.forEach((a, i) => {
      assert.equal(a.status, 200, a.text);
      const mine = cases.filter((c) => c.query === queries[i]);
      for (const x of a.body.results) near(x.relevance_score, expected(mine[x.index]!).score, `query ${i} doc ${x.index}`);
    });
  });
});
