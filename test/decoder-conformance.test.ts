// Decoder LLM rerankers against the fixtures' independent PyTorch reference (reference.json): prompt ids
// exactly, logits and scores within 1e-4, one prompt at a time and in shuffled padded batches, with and
// without the shared-prefix KV cache; then the Reranker contract on each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DecoderReranker, type DecoderRerankerOptions } from '../src/backends/onnx/decoder/reranker.js';
import type { ScoredPair } from '../src/types.js';
import { DECODERS, decoderReference, expected, type DecoderCase } from './helpers/decoders.js';
import { modelDir, rng, shuffled } from './helpers/fixtures.js';
import { rerankerContract } from './helpers/reranker-contract.js';

const TOL = 1e-4;

function assertCase(got: ScoredPair, c: DecoderCase, what: string): void {
  const want = expected(c);
  assert.ok(Math.abs(got.raw! - want.raw) <= TOL, `${what}: raw ${got.raw} vs reference ${want.raw}`);
  assert.ok(Math.abs(got.score - want.score) <= TOL, `${what}: score ${got.score} vs reference ${want.score}`);
  assert.equal(got.logits!.length, want.logits.length, `${what}: logits`);
  got.logits!.forEach((v, i) => assert.ok(Math.abs(v - want.logits[i]!) <= TOL, `${what}: logit ${i} ${v} vs ${want.logits[i]}`));
}

/** The cases that share one model setting: max length and instruction (Qwen3) or prompt (Gemma). */
function settings(cases: DecoderCase[]): { options: DecoderRerankerOptions; cases: DecoderCase[] }[] {
  const groups = new Map<string, DecoderCase[]>();
  for (const c of cases) {
    const key = JSON.stringify([c.max_length, c.instruction ?? c.prompt ?? null]);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((cs) => {
    const instruction = cs[0]!.instruction ?? cs[0]!.prompt;
    return { options: { maxLength: cs[0]!.max_length, ...(instruction != null ? { instruction } : {}) }, cases: cs };
  });
}

const pairOf = (c: DecoderCase): [string, string] => [c.query, c.document];

for (const name of DECODERS) {
  describe(`decoder conformance: ${name}`, () => {
    const ref = decoderReference(name);
    const groups = settings(ref.cases);
    const models = new Map<string, DecoderReranker>();
    const load = async (o: DecoderRerankerOptions) => {
      const key = JSON.stringify(o);
      if (!models.has(key)) models.set(key, await DecoderReranker.load(modelDir(name), o));
      return models.get(key)!;
    };
    after(async () => Promise.all([...models.values()].map((m) => m.close())));

    test('the fixtures cover truncation, custom instructions and every setting', () => {
      assert.ok(ref.cases.length >= 17 && ref.cases.some((c) => c.truncated) && groups.length >= 3);
    });

    test('prompt ids equal the reference ids (after the recipe\'s truncation)', async () => {
      for (const g of groups) {
        const m = await load(g.options);
        const prompts = await m.prompts(g.cases.map(pairOf));
        g.cases.forEach((c, i) => assert.deepEqual(prompts[i], [c.input_ids], `ids of ${JSON.stringify(c.query.slice(0, 20))} / ${JSON.stringify(c.document.slice(0, 20))} at max length ${c.max_length}`));
        assert.deepEqual(await m.countTokens(g.cases[0]!.query, g.cases.filter((c) => c.query === g.cases[0]!.query).map((c) => c.document)),
          g.cases.filter((c) => c.query === g.cases[0]!.query).map((c) => c.input_ids.length), 'countTokens = prompt lengths');
      }
    });

    test('scores and raw scores match one prompt at a time', async () => {
      for (const g of groups) {
        const m = await load({ ...g.options, prefixCache: false });
        for (const c of g.cases) assertCase((await m.score([pairOf(c)]))[0]!, c, `${c.query.slice(0, 20)} | ${c.document.slice(0, 20)}`);
      }
    });

    for (const prefixCache of [false, true]) {
      test(`scores match in shuffled padded batches, prefix cache ${prefixCache ? 'on' : 'off'}`, async () => {
        const rand = rng(name.length + (prefixCache ? 1 : 0));
        for (const g of groups) {
          const m = await load({ ...g.options, prefixCache });
          if (prefixCache) assert.equal(m.prefixCache, name !== 'qwen3-reranker-seqcls-tiny', 'the cache is on where the export has past inputs');
          for (let round = 0; round < 2; round++) {
            const order = shuffled(g.cases.map((_, i) => i), rand);
            const got = await m.score(order.map((i) => pairOf(g.cases[i]!)));
            got.forEach((r, k) => assertCase(r, g.cases[order[k]!]!, `shuffled case ${order[k]}`));
          }
        }
      });
    }

    test('rerank of one query\'s documents: the prefix cache gives the no-cache scores within 1e-4, and small batches too', async () => {
      const g = groups[0]!;
      const query = g.cases[0]!.query;
      const cases = g.cases.filter((c) => c.query === query);
      assert.ok(cases.length >= 2);
      const small = await DecoderReranker.load(modelDir(name), { ...g.options, batch: { tokenBudget: 128, maxBatch: 1 } });
      try {
        for (const m of [await load({ ...g.options, prefixCache: true }), await load({ ...g.options, prefixCache: false }), small]) {
          const results = await m.rerank(query, cases.map((c) => c.document));
          for (let i = 1; i < results.length; i++) assert.ok(results[i - 1]!.score >= results[i]!.score);
          for (const r of results) assertCase(r, cases[r.index]!, `doc ${r.index}`);
        }
      } finally {
        await small.close();
      }
    });

    test('concurrent calls on one model give the same answers', async () => {
      const g = groups[0]!;
      const m = await load(g.options);
      const runs = await Promise.all([0, 1, 2].map((k) => m.score(g.cases.slice(k).map(pairOf))));
      runs.forEach((run, k) => run.forEach((r, i) => assertCase(r, g.cases[k + i]!, `run ${k} case ${i}`)));
    });

    test('chunk mode: documents that fit score as in truncate mode; a long one by its best window, each within the budget', async () => {
      const g = groups[0]!;
      const long = ref.cases.find((c) => c.truncated && c.max_length !== 512 && c.query.length < 100)!;
      const chunked = await DecoderReranker.load(modelDir(name), { maxLength: long.max_length, longDocuments: 'chunk' });
      const whole = await DecoderReranker.load(modelDir(name), { ...g.options, longDocuments: 'chunk' });
      try {
        for (const c of g.cases.filter((x) => !x.truncated).slice(0, 4)) assertCase((await whole.score([pairOf(c)]))[0]!, c, 'a short document in chunk mode');
        const [windows] = await chunked.prompts([pairOf(long)]);
        assert.ok(windows!.length > 1, 'a truncated document gives several windows');
        assert.deepEqual(windows![0], long.input_ids, 'the first window is what the recipe\'s truncation keeps');
        // Within the budget: max_length (Gemma: plus the prompt its rule appends beyond it, as in the truncated prompt).
        for (const w of windows!) assert.ok(w.length <= long.input_ids.length, `a window of ${w.length} tokens`);
        const [best] = await chunked.score([pairOf(long)]);
        assert.ok(best!.score >= expected(long).score - TOL, 'the best window scores at least the first one');
        assert.deepEqual(await chunked.countTokens(long.query, [long.document]), [windows!.reduce((n, w) => n + w.length, 0)]);
      } finally {
        await Promise.all([chunked.close(), whole.close()]);
      }
    });
  });

  rerankerContract(`DecoderReranker ${name}`, () => DecoderReranker.load(modelDir(name), { maxLength: 512 }), { fields: ['raw', 'logits'], pointwise: true });
}
