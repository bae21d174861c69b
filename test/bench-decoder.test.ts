// The decoder benchmark's parts (no timing here: speed is measured by bench/decoder.ts): the generated
// Qwen3-style model is a causal LM that every path scores alike — alone, in left-padded batches, with
// the prefix cache, and as Transformers.js runs it — and the FLOP formula, computed by hand.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DecoderReranker } from '../src/backends/onnx/decoder/reranker.js';
import { DECODER_TOKENIZER, decoderFlops, decoderWorkload } from '../src/bench/decoder.js';
import { importTransformers } from '../src/bench/contenders.js';
import { writeDecoderFolder, type DecoderShape } from '../src/bench/make-decoder.js';
import { lastPositionLogits } from '../src/onnx/last-position.js';
import { quantizeFolder } from '../src/quantize/folder.js';

const tmp = mkdtempSync(join(tmpdir(), 'rerankit-decoder-bench-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SHAPE: DecoderShape = { hidden: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediate: 96, vocab: 3261, seed: 5 };
const QUERY = 'capital of france';
const DOCS = ['Paris is the capital of France.', 'Berlin', 'a much longer document about the capital of france, its museums and its river', ''];
const close = (a: number[], b: number[], what: string) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-4, `${what}: ${v} vs ${b[i]}`));

describe('the generated decoder benchmark model', () => {
  const dir = join(tmp, 'tiny-qwen3-reranker');
  let plain: DecoderReranker;
  let cached: DecoderReranker;
  after(async () => Promise.all([plain?.close(), cached?.close()]));

  test('is detected as a Qwen3 reranker and scores the same alone, in padded batches and with the prefix cache', async () => {
    await writeDecoderFolder(dir, SHAPE, DECODER_TOKENIZER);
    plain = await DecoderReranker.load(dir, { prefixCache: false });
    cached = await DecoderReranker.load(dir);
    assert.equal(cached.recipe.name, 'qwen3-reranker');
    assert.ok(cached.prefixCache && !plain.prefixCache);
    const batch = await plain.score(DOCS.map((d) => [QUERY, d]));
    const withCache = await cached.score(DOCS.map((d) => [QUERY, d]));
    for (const [i, d] of DOCS.entries()) {
      const [alone] = await plain.score([[QUERY, d]]);
      close(batch[i]!.logits!, alone!.logits!, `doc ${i} in a batch`);
      close(withCache[i]!.logits!, alone!.logits!, `doc ${i} with the prefix cache`);
    }
    assert.ok(new Set(batch.map((r) => r.raw!.toFixed(5))).size === DOCS.length, 'different documents, different scores');
  });

  test('rerankit quantize: the int8 LM head (DynamicQuantizeLinear → MatMulInteger) is still cut to the last position', async () => {
    const q = join(tmp, 'tiny-qwen3-reranker-int8');
    cpSync(dir, q, { recursive: true });
    await quantizeFolder(q);
    assert.equal(lastPositionLogits(readFileSync(join(q, 'onnx', 'model.onnx')))?.how, 'head', 'fp32: the MatMul head');
    assert.equal(lastPositionLogits(readFileSync(join(q, 'onnx', 'model_quantized.onnx')))?.how, 'head', 'int8: through the quantized head');
    const int8 = await DecoderReranker.load(q, { dtype: 'int8' });
    try {
      const fp32 = await plain.score(DOCS.map((d) => [QUERY, d]));
      (await int8.score(DOCS.map((d) => [QUERY, d]))).forEach((r, i) => assert.ok(Math.abs(r.score - fp32[i]!.score) < 0.02, `doc ${i}: ${r.score} vs fp32 ${fp32[i]!.score}`));
    } finally {
      await int8.close();
    }
  });

  test('Transformers.js (when installed) gives the same last-position logits from the full [b, s, vocab] output', async (t) => {
    const tjs = (await importTransformers()) as unknown as { env: Record<string, unknown>; AutoTokenizer: any; AutoModelForCausalLM: any } | undefined;
    if (!tjs) return t.skip('@huggingface/transformers is not installed');
    tjs.env.allowRemoteModels = false;
    tjs.env.localModelPath = `${dirname(dir)}/`;
    const tokenizer = await tjs.AutoTokenizer.from_pretrained(basename(dir));
    tokenizer.padding_side = 'left';
    const model = await tjs.AutoModelForCausalLM.from_pretrained(basename(dir), { dtype: 'fp32' });
    try {
      const prompts = await plain.prompts(DOCS.map((d) => [QUERY, d]));
      const { Tensor } = tjs as unknown as { Tensor: new (type: string, data: BigInt64Array, dims: number[]) => unknown };
      // The same ids, left-padded by hand, so only the engines differ.
      const S = Math.max(...prompts.map(([p]) => p!.length));
      const ids = new BigInt64Array(DOCS.length * S).fill(3256n);
      const mask = new BigInt64Array(DOCS.length * S);
      prompts.forEach(([p], r) => p!.forEach((id, i) => ((ids[r * S + S - p!.length + i] = BigInt(id)), (mask[r * S + S - p!.length + i] = 1n))));
      const { logits } = await model({ input_ids: new Tensor('int64', ids, [DOCS.length, S]), attention_mask: new Tensor('int64', mask, [DOCS.length, S]) });
      const [, , V] = logits.dims;
      const [no, yes] = tokenizer.model.convert_tokens_to_ids(['no', 'yes']);
      const ours = await plain.score(DOCS.map((d) => [QUERY, d]));
      ours.forEach((r, i) => close(r.logits!, [logits.data[(i * S + S - 1) * V + no], logits.data[(i * S + S - 1) * V + yes]], `Transformers.js doc ${i}`));
    } finally {
      await model.dispose();
    }
  });
});

describe('decoder bench arithmetic', () => {
  test('FLOPs of a hand-computed tiny decoder', () => {
    // H=4, heads 2, kv 1, D=2, I=8, V=10, 1 layer. Projections per token: 2·(4·(2+2)·2 + 2·2·4 + 3·4·8) = 2·(32+16+96) = 288.
    // n=3 from scratch: keys 1+2+3 = 6 → attention 4·2·2·6 = 96; 3·288 + 96 = 960; LM head 2·4·10 = 80 → 1040.
    const s: DecoderShape = { hidden: 4, layers: 1, heads: 2, kvHeads: 1, headDim: 2, intermediate: 8, vocab: 10 };
    assert.equal(decoderFlops(s, 3), 1040);
    // 2 new tokens after 5 cached ones see 6 and 7 keys: 2·288 + 4·2·2·13 + 80 = 864.
    assert.equal(decoderFlops(s, 2, 5), 864);
  });

  test('the workload: one query and 20 documents of 90–110 words, the same for a seed', () => {
    const w = decoderWorkload(1);
    assert.equal(w.docs.length, 20);
    for (const d of w.docs) {
      const n = d.split(' ').length;
      assert.ok(n >= 90 && n <= 110, `${n} words`);
    }
    assert.deepEqual(decoderWorkload(1), w);
    assert.notDeepEqual(decoderWorkload(2).docs, w.docs);
  });
});
