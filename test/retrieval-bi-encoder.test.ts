import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BiEncoder, BiReranker, cosine, pool, poolingFrom } from '../src/backends/onnx/bi-encoder.js';
import { createReranker } from '../src/registry.js';
import { rerankerContract } from './helpers/reranker-contract.js';

const MODEL = join(import.meta.dirname, 'fixtures', 'models', 'bert-embed-tiny');
const ref = JSON.parse(readFileSync(join(MODEL, 'reference.json'), 'utf8')) as { cases: { input: string; input_ids: number[]; mean_pooled_normalized: number[] }[] };
const texts = ref.cases.map((c) => c.input);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('retrieval bi-encoder (bert-embed-tiny vs reference.json)', () => {
  let enc: BiEncoder;
  before(async () => (enc = await BiEncoder.load(MODEL)));
  after(async () => enc.close());

  it('reads pooling from 1_Pooling/config.json and ignores the 128-token limit baked into tokenizer.json', async () => {
    assert.equal(enc.pooling, 'mean');
    assert.equal(enc.maxLength, 512);
    assert.equal(enc.dimensions, 16);
    const [long] = await enc.tokenize(['word '.repeat(700)]);
    assert.equal(long!.ids.length, 512);
    assert.equal(long!.ids[511], 102); // [SEP] kept after truncation
  });

  it('reproduces the reference token ids and embeddings within 1e-4, one by one and in a padded batch', async () => {
    const tokens = await enc.tokenize(texts);
    ref.cases.forEach((c, i) => assert.deepEqual(tokens[i]!.ids, c.input_ids));
    const batch = await enc.embed(texts);
    for (const [i, c] of ref.cases.entries()) {
      const [single] = await enc.embed([c.input]);
      assert.ok(maxDiff(single!, c.mean_pooled_normalized) < 1e-4, `case ${i} single`);
      assert.ok(maxDiff(batch[i]!, c.mean_pooled_normalized) < 1e-4, `case ${i} batch`);
    }
    const reversed = await enc.embed([...texts].reverse());
    reversed.reverse().forEach((v, i) => assert.ok(maxDiff(v, batch[i]!) < 1e-5));
  });

  it('pools cls / mean / max per the sentence-transformers flags', () => {
    const row = Float32Array.from([1, 2, 3, 4, 9, 9]); // 3 tokens × 2 dims, last is padding
    assert.deepEqual([...pool(row, 2, 2, 'mean')], [2, 3]);
    assert.deepEqual([...pool(row, 2, 2, 'cls')], [1, 2]);
    assert.deepEqual([...pool(row, 2, 2, 'max')], [3, 4]);
    assert.equal(poolingFrom({ pooling_mode_cls_token: true }), 'cls');
    assert.equal(poolingFrom(undefined), 'mean');
  });
});

describe('retrieval BiReranker', () => {
  let r: BiReranker;
  before(async () => (r = await BiReranker.load(MODEL)));
  after(async () => r.close());

  it('ranks by cosine of reference embeddings; score = (cos + 1) / 2', async () => {
    const q = ref.cases[0]!;
    const docs = ref.cases.slice(1).map((c) => c.input);
    const results = await r.rerank(q.input, docs);
    const expected = ref.cases.slice(1).map((c, index) => ({ index, cos: cosine(Float32Array.from(q.mean_pooled_normalized), Float32Array.from(c.mean_pooled_normalized)) }))
      .sort((a, b) => b.cos - a.cos);
    assert.deepEqual(results.map((x) => x.index), expected.map((e) => e.index));
    results.forEach((x, i) => {
      assert.ok(Math.abs(x.raw! - expected[i]!.cos) < 1e-4, 'raw is the cosine');
      assert.ok(Math.abs(x.score - (expected[i]!.cos + 1) / 2) < 1e-4);
    });
    assert.equal((await r.rerank(q.input, docs, { topK: 2 })).length, 2);
  });

  it('validates input like every reranker', async () => {
    await assert.rejects(r.rerank('', ['a']), { code: 'RERANK_EMPTY_QUERY' });
    await assert.rejects(r.rerank('q', []), { code: 'RERANK_NO_DOCUMENTS' });
    await assert.rejects(r.rerank('q', [42 as unknown as string]), { code: 'RERANK_BAD_DOCUMENT' });
  });

  it('is registered as kind "bi-encoder"', async () => {
    const viaRegistry = await createReranker({ kind: 'bi-encoder', model: MODEL });
    try {
      const [top] = await viaRegistry.rerank(texts[0]!, texts.slice(1));
      const [direct] = await r.rerank(texts[0]!, texts.slice(1));
      assert.equal(top!.index, direct!.index);
    } finally {
      await viaRegistry.close();
    }
    await assert.rejects(createReranker({ kind: 'bi-encoder' }), { code: 'RERANK_BAD_OPTION' });
  });
});

rerankerContract('BiReranker (bert-embed-tiny)', () => BiReranker.load(MODEL), { fields: ['raw'], pointwise: true });
