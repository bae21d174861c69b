import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createReranker } from '../src/registry.js';
import { LlmClient } from '../src/backends/llm/client.js';
import { ListwiseReranker } from '../src/backends/llm/listwise.js';
import { RANKZEPHYR_PROMPTS } from '../src/backends/llm/prompts.js';
import { isRerankError } from '../src/errors.js';
import { makeCorpus, startFakeLlm, type FakeLlm } from './fixtures/llm/fake-llm.js';

let llm: FakeLlm;
before(async () => (llm = await startFakeLlm()));
after(() => llm.close());
beforeEach(() => llm.reset());

const listwise = (o: Record<string, unknown> = {}) =>
  createReranker({ kind: 'listwise', llmBaseUrl: llm.url, llmModel: 'fake-rankgpt', cache: 0, ...o }) as Promise<ListwiseReranker>;

describe('listwise sliding window over HTTP against brute force', () => {
  // The fake LLM orders each window by the hidden relevance; brute force orders the whole list by it.
  // Asserted: one pass (window 20, stride 10) puts the true top min(n, 10) first in the true order;
  // ceil(n / 10) passes reproduce the whole brute-force ordering; scores are (n - rank + 1) / n.
  for (const n of [1, 19, 20, 21, 100, 101]) {
    it(`n = ${n}`, async () => {
      const { docs, truth } = makeCorpus(llm, n, 1000 + n);
      const one = await (await listwise()).rerank('which passage?', docs);
      const k = Math.min(n, 10);
      assert.deepEqual(one.slice(0, k).map((r) => r.index), truth.slice(0, k));
      assert.deepEqual(one.map((r) => r.index).sort((a, b) => a - b), truth.map((_, i) => i));
      one.forEach((r, rank) => {
        assert.equal(r.score, (n - rank) / n);
        assert.equal(r.rank, rank + 1);
        assert.equal(r.raw, undefined, 'an order-only backend has no raw score');
        assert.equal(r.logits, undefined, 'and no logits');
      });
      const expectedCalls = n < 2 ? 0 : n <= 20 ? 1 : Math.ceil((n - 20) / 10) + 1;
      assert.equal(llm.requests.length, expectedCalls);
      const full = await (await listwise({ passes: Math.max(1, Math.ceil(n / 10)) })).rerank('which passage?', docs);
      assert.deepEqual(full.map((r) => r.index), truth);
    });
  }
});

describe('listwise prompt and options', () => {
  it("sends RankGPT's conversation: one user/assistant turn per passage, truncated to the word budget", async () => {
    const { docs } = makeCorpus(llm, 3, 5);
    await (await listwise({ maxWords: 4 })).rerank('what is up', docs);
    const msgs = llm.requests[0].body.messages;
    assert.equal(msgs[0].role, 'system');
    assert.match(msgs[0].content, /RankGPT/);
    assert.equal(msgs.length, 1 + 2 + 3 * 2 + 1);
    assert.deepEqual(msgs[3], { role: 'user', content: '[1] doc-0 a passage about' });
    assert.deepEqual(msgs[4], { role: 'assistant', content: 'Received passage [1].' });
    assert.match(msgs.at(-1).content, /^Search Query: what is up\. \nRank the 3 passages/);
    assert.equal(llm.requests[0].body.temperature, 0);
  });
  it('single-message RankZephyr style and user templates', async () => {
    const { docs, truth } = makeCorpus(llm, 5, 6);
    const r = new ListwiseReranker(new LlmClient({ baseUrl: llm.url, model: 'zephyr' }), { prompts: { ...RANKZEPHYR_PROMPTS, suffix: 'Order them for: {{query}} ({{num}} items)' } });
    const out = await r.rerank('q', docs);
    assert.deepEqual(out.map((x) => x.index), truth);
    const msgs = llm.requests[0].body.messages;
    assert.equal(msgs.length, 2);
    assert.ok(msgs[1].content.endsWith('Order them for: q (5 items)'));
  });
  it('rejects a bad stride or window', async () => {
    for (const o of [{ stride: 0 }, { stride: 20 }, { window: 5, stride: 7 }, { window: 1 }]) {
      await assert.rejects(listwise(o), (e: unknown) => isRerankError(e) && e.code === 'RERANK_BAD_OPTION', JSON.stringify(o));
    }
  });
  it('validates input like the core', async () => {
    const r = await listwise();
    await assert.rejects(r.rerank('  ', ['a']), { code: 'RERANK_EMPTY_QUERY' });
    await assert.rejects(r.rerank('q', []), { code: 'RERANK_NO_DOCUMENTS' });
    await assert.rejects(r.rerank('q', ['a', 42 as never]), { code: 'RERANK_BAD_DOCUMENT' });
    await assert.rejects(r.rerank('q', ['a'], { topK: 0 }), { code: 'RERANK_BAD_OPTION' });
    assert.equal(llm.requests.length, 0);
  });
  it('applies topK, threshold and returnDocuments to the rank-derived scores', async () => {
    const { docs, truth } = makeCorpus(llm, 10, 8);
    const r = await listwise();
    const top = await r.rerank('q', docs.map((text, id) => ({ text, id })), { topK: 3, returnDocuments: true });
    assert.deepEqual(top.map((x) => x.index), truth.slice(0, 3));
    assert.deepEqual(top[0].document, { text: docs[truth[0]], id: truth[0] });
    const half = await r.rerank('q', docs, { threshold: 0.55 });
    assert.deepEqual(half.map((x) => x.score), [1, 0.9, 0.8, 0.7, 0.6]);
  });
});

describe('listwise repairs malformed permutations', () => {
  const cases = ['duplicates', 'missing', 'out-of-range', 'prose'] as const;
  for (const fault of cases) {
    it(fault, async () => {
      llm.fault = fault;
      const { docs, truth } = makeCorpus(llm, 8, 11);
      const r = await listwise();
      const out = (await r.rerank('q', docs)).map((x) => x.index);
      assert.deepEqual([...out].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
      if (fault === 'missing') assert.deepEqual(out, [...truth.slice(0, 5), ...truth.slice(5).sort((a, b) => a - b)]);
      else assert.deepEqual(out, truth);
      assert.equal(r.repairedAnswers, fault === 'prose' ? 0 : 1); // prose around clean ids needs no repair
    });
  }
  it('garbage keeps the input order', async () => {
    llm.fault = 'garbage';
    const { docs } = makeCorpus(llm, 6, 12);
    const out = await (await listwise()).rerank('q', docs);
    assert.deepEqual(out.map((x) => x.index), [0, 1, 2, 3, 4, 5]);
  });
});
