import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createReranker } from '../src/registry.js';
import type { PairwiseReranker } from '../src/backends/llm/pairwise.js';
import type { PointwiseReranker } from '../src/backends/llm/pointwise.js';
import { makeCorpus, startFakeLlm, type FakeLlm } from './fixtures/llm/fake-llm.js';

let llm: FakeLlm;
before(async () => (llm = await startFakeLlm()));
after(() => llm.close());
beforeEach(() => llm.reset());

const make = <T>(kind: string, o: Record<string, unknown> = {}) =>
  createReranker({ kind, llmBaseUrl: llm.url, llmModel: 'fake', cache: 0, ...o }) as Promise<T>;

describe('pairwise (PRP) over HTTP', () => {
  it('sorts the true top-k with both orders asked, far fewer calls than all pairs', async () => {
    const n = 30;
    const { docs, truth } = makeCorpus(llm, n, 21);
    const r = await make<PairwiseReranker>('pairwise');
    const out = await r.rerank('q', docs, { topK: 5 });
    assert.deepEqual(out.map((x) => x.index), truth.slice(0, 5));
    assert.deepEqual(out.map((x) => x.score), [1, 29 / 30, 28 / 30, 27 / 30, 26 / 30]);
    assert.deepEqual(out.map((x) => x.rank), [1, 2, 3, 4, 5]);
    assert.ok(out.every((x) => x.raw === undefined && x.logits === undefined), 'order-only: no raw, no logits');
    assert.equal(llm.requests.length, 2 * r.comparisons);
    assert.ok(r.comparisons < (n * (n - 1)) / 2 / 3, `${r.comparisons} comparisons`);
    assert.equal(r.inconsistent, 0);
    const prompts = llm.requests.map((q) => q.body.messages[1].content as string);
    assert.match(prompts[0], /^Given a query "q", which of the following two passages is more relevant/);
  });
  it('without topK sorts the configured head and keeps the rest in input order', async () => {
    const { docs, truth } = makeCorpus(llm, 12, 22);
    const out = (await (await make<PairwiseReranker>('pairwise', { sortTopK: 4 })).rerank('q', docs)).map((x) => x.index);
    assert.deepEqual(out.slice(0, 4), truth.slice(0, 4));
    const rest = out.slice(4);
    assert.deepEqual(rest, [...rest].sort((a, b) => a - b));
    assert.equal(out.length, 12);
  });
  it('a model that always prefers slot A is cancelled out: every vote ties, input order is kept', async () => {
    llm.fault = 'position-bias';
    const { docs } = makeCorpus(llm, 6, 23);
    const r = await make<PairwiseReranker>('pairwise');
    const out = await r.rerank('q', docs, { topK: 6 });
    assert.deepEqual(out.map((x) => x.index), [0, 1, 2, 3, 4, 5]);
    assert.equal(r.inconsistent, r.comparisons);
  });
});

describe('pointwise over HTTP', () => {
  it('scores P(yes) from log-probabilities (Qwen3-Reranker prompt)', async () => {
    const { docs, truth } = makeCorpus(llm, 10, 31);
    const out = await (await make<PointwiseReranker>('pointwise')).rerank('q', docs);
    assert.deepEqual(out.map((x) => x.index), truth);
    for (const x of out) {
      const p = Math.min(0.98, Math.max(0.02, llm.relevance.get(x.index)!));
      assert.ok(Math.abs(x.score - p) < 1e-9);
      assert.ok(Math.abs(x.raw! - Math.log(p / (1 - p))) < 1e-9, 'raw = ln P(yes) - ln P(no)');
      assert.equal(x.logits, undefined);
      assert.equal(x.rank, undefined);
    }
    const b = llm.requests[0].body;
    assert.deepEqual([b.logprobs, b.top_logprobs, b.max_tokens], [true, 20, 1]);
    assert.match(b.messages[1].content, /^<Instruct>: .*\n<Query>: q\n<Document>: doc-/);
  });
  it('falls back to a 0–10 grade when the endpoint returns no log-probabilities', async () => {
    llm.fault = 'no-logprobs';
    const { docs } = makeCorpus(llm, 8, 32);
    const r = await make<PointwiseReranker>('pointwise', { concurrency: 1 });
    const out = await r.rerank('q', docs, { threshold: 0.5 });
    assert.equal(r.mode, 'grade');
    for (const x of out) {
      const grade = Math.round(llm.relevance.get(x.index)! * 10);
      assert.equal(x.score, grade / 10);
      assert.equal(x.raw, grade, 'grade mode: raw is the grade');
    }
    assert.ok(out.every((x) => x.score >= 0.5));
    assert.equal(out.length, [...llm.relevance.values()].filter((v) => Math.round(v * 10) >= 5).length);
  });
  it('grade mode on request, with a user template', async () => {
    const { docs } = makeCorpus(llm, 3, 33);
    const r = await make<PointwiseReranker>('pointwise', {
      pointwiseMode: 'grade',
      prompts: { gradeUser: 'Passage: {{document}}\n\nOn a scale of 0-10 rate it for {{query}}' },
    });
    await r.rerank('my query', docs);
    assert.match(llm.requests[0].body.messages[1].content, /rate it for my query$/);
  });
  it('rejects unknown prompt names and modes', async () => {
    await assert.rejects(make('pointwise', { prompts: { nope: 'x' } }), { code: 'RERANK_BAD_OPTION' });
    await assert.rejects(make('pointwise', { pointwiseMode: 'vibes' }), { code: 'RERANK_BAD_OPTION' });
    await assert.rejects(createReranker({ kind: 'listwise', llmModel: 'm' }), /--llm-base-url/);
  });
});
