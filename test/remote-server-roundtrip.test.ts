import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CrossEncoder } from '../src/backends/onnx/cross-encoder.js';
import { createReranker } from '../src/registry.js';
import type { RunningServer } from '../src/server/start.js';
import { makeCorpus, startFakeLlm, type FakeLlm } from './fixtures/llm/fake-llm.js';
import { BERT, call, serve } from './server-helpers.js';

/**
 * Both sides of the wire at once: rerankit's own server (issue 3) serves the bert-ce-tiny fixture and
 * a listwise LLM model; the hosted-API clients of this area talk to it in every dialect it speaks and
 * must reproduce what the cross-encoder gives in process.
 */
let server: RunningServer;
let llm: FakeLlm;
let local: CrossEncoder;

before(async () => {
  llm = await startFakeLlm();
  server = await serve({ models: [{ name: 'bert', model: BERT }, { name: 'gpt-rank', kind: 'listwise', llmBaseUrl: llm.url, llmModel: 'fake', window: 4, stride: 2 }] });
  local = await CrossEncoder.load(BERT);
});
after(async () => {
  await server?.close();
  await llm?.close();
  await local?.close();
});

const query = 'how do rerankers work';
const docs = ['A reranker scores query and document together.', 'Bananas are yellow.', 'Cross-encoders read both texts at once.', 'Search engines first retrieve candidates.', 'Soup.'];

describe('hosted-API clients against rerankit serve', () => {
  for (const [kind, extra] of [['rerankit', {}], ['cohere', { apiVersion: 'v1' }], ['cohere', { apiVersion: 'v2' }], ['jina', {}], ['tei', {}], ['infinity', {}]] as const) {
    it(`${kind} ${'apiVersion' in extra ? extra.apiVersion : ''} reproduces the in-process cross-encoder`, async () => {
      const want = await local.rerank(query, docs);
      const r = await createReranker({ kind, model: 'bert', apiBaseUrl: server.url, ...extra });
      const got = await r.rerank(query, docs);
      assert.deepEqual(got.map((x) => x.index), want.map((x) => x.index));
      got.forEach((x, i) => assert.ok(Math.abs(x.score - want[i].score) < 1e-5, `${x.score} vs ${want[i].score}`));
      if (kind === 'tei') got.forEach((x, i) => assert.ok(Math.abs(x.raw! - want[i].raw!) < 1e-4, `TEI raw_scores are the log-odds: ${x.raw} vs ${want[i].raw}`));
      else got.forEach((x) => assert.equal(x.raw, undefined, `${kind} answers relevance scores only: no raw`));
    });
  }
  it('the server serves a listwise LLM reranker under a model name', async () => {
    const { docs: corpus, truth } = makeCorpus(llm, 9, 5);
    const res = await call(server.url, '/v1/rerank', { model: 'gpt-rank', query: 'q', documents: corpus });
    assert.equal(res.status, 200, res.text);
    // window 4 / stride 2: one pass fixes the top 2 exactly.
    assert.deepEqual(res.body.results.slice(0, 2).map((r: { index: number }) => r.index), truth.slice(0, 2));
    assert.equal(res.body.results[0].relevance_score, 1);
  });
});
