import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CrossEncoder } from '../src/index.js';
import { loadWords, makeWorkload, WORKLOADS } from '../src/bench/workloads.js';
import { modelDir } from './helpers/fixtures.js';

const BIN = new URL('../bin/rerankit.js', import.meta.url).pathname;
const MODEL = modelDir('bert-ce-tiny');

const tmp = mkdtempSync(join(tmpdir(), 'rerankit-bench-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], command = 'bench') {
  // The bench's cache (the peak probe's model) goes to a temporary folder, not the user's ~/.cache.
  const r = spawnSync(process.execPath, [BIN, command, ...args], { encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1', RERANKIT_BENCH_DIR: join(tmp, 'cache') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Result {
  workload: string;
  pairs: number;
  realTokens: number;
  gflop: number;
  contenders: Record<string, { latency: { runs: number; p50: number }; pctOfPeak: number; maxAbsLogitDiff?: number; paddedTokens: number }>;
  speedup: Record<string, number>;
}

describe('rerankit bench', () => {
  test('runs every workload end to end on the tiny fixture and prints one JSON report', async () => {
    const r = cli(['--model', MODEL, '--runs', '1', '--json', '--peak-size', '256']);
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as { machine: { cpus: number }; peak: { gflops: number; samples: number }; results: Result[] };
    assert.ok(rep.machine.cpus >= 1);
    assert.ok(rep.peak.gflops > 0 && rep.peak.samples >= 10);
    assert.deepEqual(rep.results.map((x) => x.workload), [...WORKLOADS]);
    assert.match(r.stderr, /bench: titles-100 \(fp32\): 100 documents/);

    const model = await CrossEncoder.load(MODEL);
    const words = loadWords();
    try {
      for (const res of rep.results) {
        const w = makeWorkload(res.workload as never, words);
        assert.equal(res.pairs, w.docs.length);
        assert.equal(res.contenders.rerankit.latency.runs, 1);
        assert.ok(res.gflop > 0 && res.contenders.rerankit.pctOfPeak > 0);
        if (res.workload === 'long-20') {
          assert.deepEqual(Object.keys(res.contenders), ['rerankit']);
          continue;
        }
        // Real tokens are what the library itself counts; the others scored the same pairs to the same logits.
        const counts = await model.countTokens(w.query, w.docs);
        assert.equal(res.realTokens, counts.reduce((a, b) => a + b, 0));
        for (const other of ['transformersjs', 'ort']) {
          assert.ok(res.contenders[other].maxAbsLogitDiff! < 1e-4, `${res.workload} ${other}: ${res.contenders[other].maxAbsLogitDiff}`);
          assert.ok(res.speedup[other] > 0);
          assert.equal(res.contenders[other].paddedTokens, w.docs.length * Math.max(...counts));
        }
        assert.ok(res.contenders.rerankit.paddedTokens <= res.contenders.ort.paddedTokens);
      }
    } finally {
      await model.close();
    }
  });

  test('prints a table without --json', () => {
    const r = cli(['--model', MODEL, '--runs', '1', '--workload', 'titles-10', '--compare', 'ort', '--peak-size', '128', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^machine: .+cores/);
    assert.match(r.stdout, /\| titles-10 +\| fp32 +\| +10 \|/);
  });

  test('int8 rows carry score fidelity against fp32 and speed-ups against the others at fp32', () => {
    const dir = join(tmp, 'bert-ce-tiny');
    cpSync(MODEL, dir, { recursive: true });
    const refused = cli(['--model', dir, '--dtype', 'int8', '--runs', '1', '--quiet']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /RERANK_ONNX_NOT_FOUND.*rerankit quantize/);
    assert.ok(!existsSync(join(dir, 'onnx', 'model_quantized.onnx')), 'the bench must not write into a folder it did not generate');
    assert.equal(cli([dir], 'quantize').code, 0);
    const r = cli(['--model', dir, '--dtype', 'int8,fp32', '--runs', '1', '--workload', 'titles-100', '--json', '--quiet', '--peak-size', '128']);
    assert.equal(r.code, 0, r.stderr);
    const [fp32, int8] = JSON.parse(r.stdout).results;
    assert.deepEqual([fp32.dtype, int8.dtype], ['fp32', 'int8']);
    assert.equal(fp32.fidelity, undefined);
    assert.equal(int8.fidelity.vs, 'fp32');
    assert.ok(int8.fidelity.meanAbsScoreDiff > 0 && int8.fidelity.meanAbsScoreDiff < 0.05, JSON.stringify(int8.fidelity));
    assert.ok(int8.fidelity.spearman > 0.9 && int8.fidelity.spearman <= 1);
    for (const n of ['transformersjs', 'ort']) {
      assert.ok(Math.abs(int8.speedupVsFp32[n] - fp32.contenders[n].latency.p50 / int8.contenders.rerankit.latency.p50) < 1e-9);
      // Dynamic int8 quantizes activations with one scale per batch, so scores depend on batch composition:
      // rerankit's length buckets differ from one padded batch by a little, never by much.
      assert.ok(int8.contenders[n].maxAbsLogitDiff > 0 && int8.contenders[n].maxAbsLogitDiff < 0.5, String(int8.contenders[n].maxAbsLogitDiff));
    }
    // Both others run the same single padded batch on the same quantized file, so they agree exactly.
    assert.equal(int8.contenders.transformersjs.maxAbsLogitDiff, int8.contenders.ort.maxAbsLogitDiff);
  });

  test('user mistakes print one line and exit 1', () => {
    for (const [args, re] of [
      [['--workload', 'titles-7'], /^rerankit: error \[RERANK_BAD_OPTION\]: unknown workload "titles-7"/],
      [['--compare', 'onnx'], /^rerankit: error \[RERANK_USAGE\]: --compare takes/],
      [['--model', '/nonexistent/model'], /^rerankit: error \[RERANK_MODEL_NOT_FOUND\]/],
    ] as [string[], RegExp][]) {
      const r = cli(['--runs', '1', '--quiet', ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
