import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CrossEncoder } from '../src/index.js';
import { scoreOf } from '../src/backends/onnx/heads.js';
import { PairTokenizer } from '../src/models/tokenizer.js';
import { CROSS_ENCODERS, modelDir, reference, rng, shuffled } from './helpers/fixtures.js';

const TOL = 1e-4;

function assertLogits(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: label count`);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= TOL, `${what}: logit ${i} ${v} vs reference ${expected[i]}`));
}

for (const name of CROSS_ENCODERS) {
  describe(`conformance: ${name}`, () => {
    const ref = reference(name);
    let model: CrossEncoder;
    before(async () => {
      model = await CrossEncoder.load(modelDir(name));
    });
    after(() => model.close());

    test('max length follows the model, not the 128 baked into tokenizer.json', () => {
      assert.equal(model.maxLength, 512);
    });

    test('token ids equal the reference tokenizer ids', async () => {
      const tok = (model as unknown as { tokenizer: PairTokenizer }).tokenizer;
      for (const c of ref.cases) {
        const [q, d] = await tok.encodeTexts(c.input);
        assert.deepEqual(tok.pair(q, d, model.maxLength).ids, c.input_ids, `ids of ${JSON.stringify(c.input[0].slice(0, 30))}`);
      }
    });

    test('logits match one pair at a time', async () => {
      for (const c of ref.cases) {
        const [r] = await model.score([c.input]);
        assertLogits(r.logits!, c.logits, c.input[0].slice(0, 30));
        assert.equal(r.score, scoreOf(r.logits!), 'score is sigmoid / softmax[1] of the logits');
        assert.ok(Math.abs(r.score - scoreOf(c.logits)) <= TOL, 'score near the reference score');
      }
    });

    test('logits match all together in padded batches, in any order', async () => {
      const rand = rng(7);
      for (let round = 0; round < 3; round++) {
        const order = shuffled(ref.cases.map((_, i) => i), rand);
        const got = await model.score(order.map((i) => ref.cases[i].input));
        got.forEach((r, k) => assertLogits(r.logits!, ref.cases[order[k]].logits, `shuffled case ${order[k]}`));
      }
    });

    test('small token budgets (many batches) give the same logits', async () => {
      const small = await CrossEncoder.load(modelDir(name), { batch: { tokenBudget: 600, maxBatch: 3 } });
      try {
        const got = await small.score(ref.cases.map((c) => c.input));
        got.forEach((r, i) => assertLogits(r.logits!, ref.cases[i].logits, `case ${i}`));
      } finally {
        await small.close();
      }
    });

    test('rerank orders one query\'s documents best first with raw logits', async () => {
      const query = ref.cases[0].input[0];
      const cases = ref.cases.filter((c) => c.input[0] === query);
      const results = await model.rerank(query, cases.map((c) => c.input[1]));
      assert.equal(results.length, cases.length);
      for (let i = 1; i < results.length; i++) assert.ok(results[i - 1].score >= results[i].score);
      for (const r of results) {
        assertLogits(r.logits!, cases[r.index].logits, `doc ${r.index}`);
        assert.ok(r.score >= 0 && r.score <= 1);
      }
    });

    test('concurrent calls on one model give the same answers', async () => {
      const pairs = ref.cases.map((c) => c.input);
      const runs = await Promise.all([0, 1, 2, 3].map(() => model.score(pairs)));
      for (const run of runs) run.forEach((r, i) => assertLogits(r.logits!, ref.cases[i].logits, `case ${i}`));
    });
  });
}
