import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CrossEncoder } from '../src/index.js';
import { readModel } from '../src/onnx/model.js';
import { quantizeFolder } from '../src/quantize/folder.js';
import { quantizeWeights } from '../src/quantize/weights.js';
import { CROSS_ENCODERS, modelDir, reference } from './helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'rerankit-quant-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('weight quantization', () => {
  const w = Float32Array.from([0.5, -1, 0.25, 2, 0, -0.5]); // [3, 2]
  test('int8 symmetric: zero point 0, scale max|w|/127, values round-trip within scale/2', () => {
    const q = quantizeWeights(w, 3, 2, { weightType: 'int8', perChannel: false, reduceRange: false });
    assert.equal(q.zeroPoint[0], 0);
    assert.ok(Math.abs(q.scale[0] - 2 / 127) < 1e-7);
    w.forEach((v, i) => assert.ok(Math.abs(q.data[i] * q.scale[0] - v) <= q.scale[0] / 2 + 1e-7));
  });
  test('reduce range keeps int8 weights within [-64, 64]; per channel has one scale per column', () => {
    const q = quantizeWeights(w, 3, 2, { weightType: 'int8', perChannel: true, reduceRange: true });
    assert.equal(q.scale.length, 2);
    assert.ok([...q.data].every((v) => v >= -64 && v <= 64));
    assert.ok(Math.abs(q.scale[0] - 0.5 / 64) < 1e-7 && Math.abs(q.scale[1] - 2 / 64) < 1e-7);
  });
  test('uint8 asymmetric keeps zero exact', () => {
    const q = quantizeWeights(w, 3, 2, { weightType: 'uint8', perChannel: false, reduceRange: false });
    assert.equal(Math.abs((q.data[4] - q.zeroPoint[0]) * q.scale[0]), 0, 'w[4] = 0 dequantizes to exactly 0');
    w.forEach((v, i) => assert.ok(Math.abs((q.data[i] - q.zeroPoint[0]) * q.scale[0] - v) <= q.scale[0] / 2 + 1e-6));
  });
});

describe('rerankit quantize on the fixtures', () => {
  for (const name of CROSS_ENCODERS) {
    test(`${name}: int8 scores stay close to fp32 and the graph uses integer MatMuls`, async () => {
      const dir = join(tmp, name);
      cpSync(modelDir(name), dir, { recursive: true });
      const report = await quantizeFolder(dir);
      assert.ok(report.quantized >= 12, `quantized ${report.quantized} MatMul/Gemm`);
      const graph = (await readModel(report.output)).graph;
      assert.ok(graph.node.some((n) => n.opType === 'MatMulInteger'));
      assert.ok(!graph.node.some((n) => n.opType === 'MatMul' && graph.initializer.some((t) => t.name === n.input[1])), 'no float MatMul weight left');
      assert.ok(statSync(report.output).size < statSync(join(dir, 'onnx/model.onnx')).size);

      const cases = reference(name).cases.map((c) => c.input);
      const fp32 = await CrossEncoder.load(dir);
      const int8 = await CrossEncoder.load(dir, { dtype: 'int8' });
      const [a, b] = [await fp32.score(cases), await int8.score(cases)];
      await Promise.all([fp32.close(), int8.close()]);
      const diffs = a.map((r, i) => Math.abs(r.score - b[i].score));
      const mean = diffs.reduce((x, y) => x + y, 0) / diffs.length;
      assert.ok(mean <= 0.02, `mean |Δscore| ${mean}`);
      assert.ok(diffs.some((d) => d > 0), 'the int8 model really is a different model');
    });
  }
  test('a folder without an fp32 model, or no folder at all, is a clear error', async () => {
    mkdirSync(join(tmp, 'empty'));
    await assert.rejects(quantizeFolder(join(tmp, 'empty')), /no fp32 model\.onnx/);
    await assert.rejects(quantizeFolder(join(tmp, 'missing')), /model folder .*missing does not exist/);
  });
});
