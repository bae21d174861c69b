import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CrossEncoder } from '../src/index.js';
import { writeModelFolder, type EncoderShape } from '../src/bench/make-model.js';
import { benchModelFolder } from '../src/bench/models.js';
import { ASSETS, benchDir, benchModelsDir, writeAtomically } from '../src/bench/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'rerankit-make-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const small = (arch: EncoderShape['arch']): EncoderShape => ({ arch, hidden: 32, layers: 2, heads: 4, intermediate: 64, vocab: arch === 'bert' ? 30522 : 8656, maxPositions: arch === 'bert' ? 512 : 514, seed: 3 });
// The tokenizers the presets use ship in assets/ (package.json "files"), not in test fixtures.
const TOKENIZERS = { bert: join(ASSETS, 'bert-base-uncased'), 'xlm-roberta': join(ASSETS, 'xlmr-tiny') };
const DOCS = ['short', 'a somewhat longer document about the capital of france and its museums', '巴黎是法国的首都', ''];

describe('generated benchmark models', () => {
  for (const arch of ['bert', 'xlm-roberta'] as const) {
    test(`${arch}: loads as a cross-encoder and scores the same alone or in padded batches`, async () => {
      const dir = join(tmp, arch);
      await writeModelFolder(dir, small(arch), TOKENIZERS[arch]);
      const model = await CrossEncoder.load(dir);
      try {
        const together = await model.score(DOCS.map((d) => ['capital of france', d]));
        for (const [i, d] of DOCS.entries()) {
          const [alone] = await model.score([['capital of france', d]]);
          assert.ok(Math.abs(alone.logits![0] - together[i].logits![0]) < 1e-4, `doc ${i}: ${alone.logits![0]} vs ${together[i].logits![0]}`);
        }
        assert.ok(new Set(together.map((r) => r.logits![0].toFixed(6))).size > 1, 'different inputs, different logits');
      } finally {
        await model.close();
      }
    });
  }
});

describe('the bench cache', () => {
  test('lives in $RERANKIT_BENCH_DIR, else $XDG_CACHE_HOME/rerankit/bench, else ~/.cache/rerankit/bench', () => {
    assert.equal(benchDir({ RERANKIT_BENCH_DIR: '/x/bench', XDG_CACHE_HOME: '/y' }), '/x/bench');
    assert.equal(benchDir({ XDG_CACHE_HOME: '/y' }), '/y/rerankit/bench');
    assert.equal(benchDir({}), join(homedir(), '.cache', 'rerankit', 'bench'));
    assert.equal(benchModelsDir({ XDG_CACHE_HOME: '/y' }), '/y/rerankit/bench/models');
  });

  test('a preset is generated there once, from the shipped tokenizer, and an incomplete folder is replaced', async (t) => {
    const cache = join(tmp, 'cache');
    const before = process.env.RERANKIT_BENCH_DIR;
    process.env.RERANKIT_BENCH_DIR = cache;
    t.after(() => (before === undefined ? delete process.env.RERANKIT_BENCH_DIR : (process.env.RERANKIT_BENCH_DIR = before)));
    const dir = join(cache, 'models', 'tiny');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), '{}'); // what an interrupted older run could leave: no onnx/model.onnx
    const lines: string[] = [];
    assert.equal(await benchModelFolder('tiny', (l) => lines.push(l)), dir);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^generating tiny \(2 layers, hidden 32\) in /);
    assert.deepEqual(readdirSync(join(cache, 'models')), ['tiny'], 'no temporary folder is left behind');
    const written = statSync(join(dir, 'onnx', 'model.onnx')).mtimeMs;
    assert.equal(await benchModelFolder('tiny', (l) => lines.push(l)), dir);
    assert.equal(lines.length, 1, 'the second call reuses the model');
    assert.equal(statSync(join(dir, 'onnx', 'model.onnx')).mtimeMs, written);
    const model = await CrossEncoder.load(dir);
    try {
      const [r] = await model.rerank('capital of france', ['paris is the capital of france']);
      assert.ok(r.score > 0 && r.score < 1);
      assert.equal(model.maxLength, 512);
    } finally {
      await model.close();
    }
  });

  test('an interrupted write leaves nothing that looks complete', async () => {
    const target = join(tmp, 'atomic', 'm.onnx');
    await assert.rejects(writeAtomically(target, async (p) => {
      writeFileSync(p, 'half');
      throw new Error('killed');
    }), /killed/);
    assert.ok(!existsSync(target));
    assert.deepEqual(readdirSync(join(tmp, 'atomic')), []);
    await writeAtomically(target, async (p) => writeFileSync(p, 'whole'));
    assert.equal(readFileSync(target, 'utf8'), 'whole');
  });

  test('of two runs generating the same folder, the one that finishes second drops its copy', async () => {
    const folder = join(tmp, 'race', 'tiny');
    const write = (text: string) => writeAtomically(folder, async (p) => {
      mkdirSync(p);
      writeFileSync(join(p, 'model.onnx'), text);
    });
    await write('first');
    await write('second');
    assert.equal(readFileSync(join(folder, 'model.onnx'), 'utf8'), 'first');
    assert.deepEqual(readdirSync(join(tmp, 'race')), ['tiny']);
  });
});
