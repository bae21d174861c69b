import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createReranker, type RerankerConfig } from '../src/registry.js';
import type { DocInput } from '../src/types.js';
import { startFakeLlm, type FakeLlm } from './fixtures/llm/fake-llm.js';
import { CONTRACT_DOCS, rerankerContract, type ContractOptions } from './helpers/reranker-contract.js';

/**
 * The shared Reranker contract on every LLM reranker (the hosted APIs: remote-contract.test.ts), over
 * HTTP against the fake OpenAI-compatible server. The contract documents carry the fake's `doc-<n>`
 * ids, so it ranks them by a hidden relevance instead of seeing ties everywhere.
 */
let llm: FakeLlm;
/** An endpoint without log-probabilities: pointwise `auto` switches to grades there. */
let plain: FakeLlm;
const RELEVANCE = [0.9, 0.35, 0.1, 0.6, 0.8, 0.02];
before(async () => {
  [llm, plain] = await Promise.all([startFakeLlm(), startFakeLlm()]);
  plain.fault = 'no-logprobs';
  for (const f of [llm, plain]) RELEVANCE.forEach((r, i) => f.relevance.set(i, r));
});
after(() => Promise.all([llm.close(), plain.close()]));

const docs: DocInput[] = CONTRACT_DOCS.map((d, i) => {
  if (typeof d !== 'string') return { ...d, text: `doc-${i} ${d.text}` };
  return d === '' ? d : `doc-${i} ${d}`; // the empty document stays empty
});

const kinds: [string, () => RerankerConfig, ContractOptions][] = [
  ['listwise (RankGPT conversation)', () => ({ kind: 'listwise', llmBaseUrl: llm.url, llmModel: 'm', window: 4, stride: 2, passes: 3 }), { fields: ['rank'] }],
  ['listwise (RankZephyr, completions endpoint)', () => ({ kind: 'listwise', llmBaseUrl: llm.url, llmModel: 'm', promptStyle: 'rankzephyr', llmEndpoint: 'completions' }), { fields: ['rank'] }],
  ['pairwise', () => ({ kind: 'pairwise', llmBaseUrl: llm.url, llmModel: 'm' }), { fields: ['rank'] }],
  ['pointwise (logprobs)', () => ({ kind: 'pointwise', llmBaseUrl: llm.url, llmModel: 'm', pointwiseMode: 'logprobs' }), { fields: ['raw'], pointwise: true }],
  ['pointwise (grade)', () => ({ kind: 'pointwise', llmBaseUrl: llm.url, llmModel: 'm', pointwiseMode: 'grade' }), { fields: ['raw'], pointwise: true }],
  ['pointwise (auto, endpoint without log-probabilities)', () => ({ kind: 'pointwise', llmBaseUrl: plain.url, llmModel: 'm', concurrency: 1 }), { fields: ['raw'], pointwise: true }],
];

for (const [label, config, o] of kinds) rerankerContract(label, () => createReranker(config()), { ...o, documents: docs });

describe('the LLM rerankers rank the contract documents by the hidden relevance', () => {
  const truth = RELEVANCE.map((_, i) => i).sort((a, b) => RELEVANCE[b]! - RELEVANCE[a]!);
  for (const [label, config] of kinds.filter(([l]) => !l.includes('grade') && !l.includes('auto'))) {
    it(label, async () => {
      const r = await createReranker(config());
      try {
        const out = await r.rerank('q', docs);
        // The empty document carries no id: relevance 0, last.
        assert.deepEqual(out.map((x) => x.index), truth);
      } finally {
        await r.close();
      }
    });
  }
  it('grades: score = grade / 10 and raw = the grade', async () => {
    const r = await createReranker({ kind: 'pointwise', llmBaseUrl: llm.url, llmModel: 'm', pointwiseMode: 'grade' });
    const out = await r.rerank('q', docs);
    for (const x of out) {
      const grade = x.index === 5 ? 0 : Math.round(RELEVANCE[x.index]! * 10);
      assert.deepEqual([x.score, x.raw], [grade / 10, grade]);
    }
  });
});

describe('LLM options are checked by the registry before anything is built', () => {
  const base = () => ({ llmBaseUrl: llm.url, llmModel: 'm' });
  const bad = (re: RegExp) => (e: unknown) => (e as { code?: string }).code === 'RERANK_BAD_OPTION' && re.test((e as Error).message);
  it('a wrong value names the kind, the option and what it expects', async () => {
    llm.requests.length = 0;
    await assert.rejects(createReranker({ kind: 'listwise', ...base(), concurrency: 0 }), bad(/^listwise: option "concurrency" must be an integer >= 1, got 0$/));
    await assert.rejects(createReranker({ kind: 'listwise', ...base(), window: 1 }), bad(/^listwise: option "window" must be an integer >= 2, got 1$/));
    await assert.rejects(createReranker({ kind: 'pairwise', ...base(), cache: 'yes' }), bad(/^pairwise: option "cache" must be false or an integer >= 0, got "yes"$/));
    await assert.rejects(createReranker({ kind: 'pointwise', ...base(), pointwiseMode: 'vibes' }), bad(/^pointwise: option "pointwiseMode" must be "auto", "logprobs" or "grade", got "vibes"$/));
    await assert.rejects(createReranker({ kind: 'listwise', ...base(), llmEndpoint: 'responses' }), bad(/^listwise: option "llmEndpoint" must be "chat" or "completions", got "responses"$/));
    await assert.rejects(createReranker({ kind: 'listwise', llmBaseUrl: 'localhost:8000', llmModel: 'm' }), bad(/^listwise: option "llmBaseUrl" must be an http\(s\) URL, got "localhost:8000"$/));
    await assert.rejects(createReranker({ kind: 'pointwise', ...base(), prompts: 3 }), bad(/^pointwise: option "prompts" must be an object of prompt templates/));
    assert.equal(llm.requests.length, 0);
  });
  it('an option of another kind, or a typo, is an unknown option', async () => {
    await assert.rejects(createReranker({ kind: 'pairwise', ...base(), window: 4 }), bad(/^pairwise: unknown option "window"/));
    await assert.rejects(createReranker({ kind: 'listwise', ...base(), dtype: 'fp16' }), bad(/^listwise: unknown option "dtype"/));
    await assert.rejects(createReranker({ kind: 'listwise', ...base(), strid: 2 }), bad(/^listwise: unknown option "strid" \(did you mean "stride"\?\)$/));
  });
  it('numeric strings from flags or the environment are numbers', async () => {
    const r = await createReranker({ kind: 'listwise', ...base(), window: '4', stride: '2', passes: '3' });
    const out = await r.rerank('q', docs);
    assert.deepEqual(out.map((x) => x.index).slice(0, 2), [0, 4]);
  });
  it('a server-wide default applies only to kinds that take it', async () => {
    const r = await createReranker({ kind: 'listwise', ...base() }, { defaults: { dtype: 'fp16', threads: 2, maxLength: 256, window: 4, stride: 2 } });
    llm.requests.length = 0;
    await r.rerank('q', docs);
    // window 4 / stride 2 over 6 documents: windows [2, 6) and [0, 4).
    assert.equal(llm.requests.length, 2);
  });
});
