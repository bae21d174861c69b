import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RerankError, type DocInput, type ErrorCode, type Reranker } from '../../src/index.js';

const QUERY = 'what is the capital of france?';
const DOCS: DocInput[] = [
  'Paris is the capital and most populous city of France.',
  { text: 'Berlin is the capital of Germany.', id: 'de' },
  'Crocs Kids\' Baya Clog',
  '巴黎是法国的首都。',
  'The Eiffel Tower is in Paris, the French capital.',
  '',
];

async function rejectsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof RerankError && e.code === code);
}

/**
 * The behaviour every Reranker shares, whatever its backend: one suite that each implementation passes
 * (as Hono runs one router test file against every router).
 */
export function rerankerContract(label: string, make: () => Promise<Reranker>, o: { deterministic?: boolean } = {}): void {
  describe(`Reranker contract: ${label}`, () => {
    let r: Reranker;
    before(async () => {
      r = await make();
    });
    after(() => r.close());

    test('ranks every document once, best first, scores in [0,1], raw values as numbers', async () => {
      const out = await r.rerank(QUERY, DOCS);
      assert.deepEqual(out.map((x) => x.index).sort((a, b) => a - b), DOCS.map((_, i) => i));
      for (let i = 1; i < out.length; i++) assert.ok(out[i - 1].score >= out[i].score, 'sorted by score');
      for (const x of out) {
        assert.ok(Number.isFinite(x.score) && x.score >= 0 && x.score <= 1, `score ${x.score}`);
        assert.ok(Array.isArray(x.logits) && x.logits.every(Number.isFinite));
        assert.equal(x.document, undefined);
      }
      assert.equal(typeof r.name, 'string');
    });

    test('topK, threshold and returnDocuments', async () => {
      const all = await r.rerank(QUERY, DOCS);
      const top = await r.rerank(QUERY, DOCS, { topK: 2, returnDocuments: true });
      assert.equal(top.length, 2);
      if (o.deterministic !== false) assert.deepEqual(top.map((x) => x.index), all.slice(0, 2).map((x) => x.index));
      for (const x of top) assert.deepEqual(x.document, DOCS[x.index]);
      const cut = all[2].score;
      for (const x of await r.rerank(QUERY, DOCS, { threshold: cut })) assert.ok(x.score >= cut);
      assert.equal((await r.rerank(QUERY, DOCS, { topK: 100 })).length, DOCS.length);
    });

    test('a single document', async () => {
      const [x, ...rest] = await r.rerank(QUERY, ['Paris']);
      assert.equal(x.index, 0);
      assert.equal(rest.length, 0);
    });

    test('bad input is a typed error', async () => {
      await rejectsWith(r.rerank('', DOCS), 'RERANK_EMPTY_QUERY');
      await rejectsWith(r.rerank(QUERY, []), 'RERANK_NO_DOCUMENTS');
      await rejectsWith(r.rerank(QUERY, ['ok', 7 as never]), 'RERANK_BAD_DOCUMENT');
      await rejectsWith(r.rerank(QUERY, DOCS, { topK: 0 }), 'RERANK_BAD_OPTION');
    });
  });
}
