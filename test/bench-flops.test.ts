import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fidelity, ranks } from '../src/bench/fidelity.js';
import { dimsFromConfig, matmulFlops, sequenceFlops, workloadFlops } from '../src/bench/flops.js';
import { bucketedTokens, paddedTokens } from '../src/bench/lengths.js';
import { transformersDtype } from '../src/bench/models.js';
import { percentile, summarize } from '../src/bench/stats.js';

describe('bench arithmetic', () => {
  test('FLOPs of a hand-computed tiny encoder', () => {
    // H=4, I=8, 2 layers, 1 label, S=3: per layer 3·2·(4·16 + 2·4·8) + 4·9·4 = 768 + 144 = 912;
    // two layers 1824; pooler 2·16 = 32 and classifier 2·4·1 = 8 → 1864.
    const d = { hidden: 4, intermediate: 8, layers: 2, labels: 1 };
    assert.equal(sequenceFlops(d, 3), 1864);
    assert.equal(workloadFlops(d, [3, 3]), 3728);
    assert.equal(matmulFlops(2, 3, 4), 48);
  });

  test('MiniLM-L6 on 100 pairs of 30 tokens costs the issue\'s ≈ 64 GFLOP', () => {
    const d = dimsFromConfig({ hidden_size: 384, num_hidden_layers: 6, intermediate_size: 1536, id2label: { 0: 'LABEL_0' } });
    assert.deepEqual(d, { hidden: 384, layers: 6, intermediate: 1536, labels: 1 });
    const gflop = workloadFlops(d, new Array(100).fill(30)) / 1e9;
    assert.ok(Math.abs(gflop - 64.56) < 0.01, String(gflop));
    assert.throws(() => dimsFromConfig({ hidden_size: 384 }), { code: 'RERANK_MODEL_INVALID' });
  });

  test('padding: one padded batch vs length buckets', () => {
    const lens = [10, 10, 10, 40];
    assert.equal(paddedTokens(lens), 160);
    assert.equal(bucketedTokens(lens, { tokenBudget: 30, maxBatch: 64 }), 70);
    assert.equal(bucketedTokens(lens, { tokenBudget: 1000, maxBatch: 64 }), 160);
    assert.equal(bucketedTokens(lens, { tokenBudget: 1000, maxBatch: 1 }), 70);
  });

  test('percentiles interpolate like numpy', () => {
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentile([5, 1, 3], 50), 3);
    assert.ok(Math.abs(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) - 9.55) < 1e-12);
    assert.deepEqual(summarize([3, 1, 2]), { runs: 3, p50: 2, p95: 2.9, mean: 2, min: 1 });
  });

  test('Transformers.js dtype names for the ONNX variants', () => {
    assert.equal(transformersDtype('/m/onnx/model.onnx'), 'fp32');
    assert.equal(transformersDtype('/m/onnx/model_quantized.onnx'), 'q8');
    assert.equal(transformersDtype('/m/onnx/model_fp16.onnx'), 'fp16');
    assert.throws(() => transformersDtype('/m/model.onnx'), { code: 'RERANK_BAD_OPTION' });
  });

  test('fidelity of a variant against fp32: score differences, Spearman, top-10 overlap', () => {
    assert.deepEqual(ranks([10, 30, 20, 20]), [1, 4, 2.5, 2.5]);
    const ref = Array.from({ length: 12 }, (_, i) => [i - 6]);
    const same = fidelity('fp32', ref, ref);
    assert.deepEqual(same, { vs: 'fp32', meanAbsScoreDiff: 0, maxAbsScoreDiff: 0, spearman: 1, top10Overlap: 1 });
    const reversed = fidelity('fp32', ref, ref.map(([x]) => [-x]));
    assert.ok(Math.abs(reversed.spearman + 1) < 1e-12);
    assert.equal(reversed.top10Overlap, 0.8); // 12 documents: the two top-10s share 8
    const shifted = fidelity('fp32', [[0], [0]], [[0.04], [0]]);
    assert.ok(Math.abs(shifted.meanAbsScoreDiff - (1 / (1 + Math.exp(-0.04)) - 0.5) / 2) < 1e-12);
  });
});
