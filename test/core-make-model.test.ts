import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CrossEncoder } from '../src/index.js';
import { writeModelFolder, type EncoderShape } from '../src/onnx/make-model.js';
import { MODELS } from './helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'rerankit-make-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const small = (arch: EncoderShape['arch']): EncoderShape => ({ arch, hidden: 32, layers: 2, heads: 4, intermediate: 64, vocab: arch === 'bert' ? 30522 : 8656, maxPositions: arch === 'bert' ? 512 : 514, seed: 3 });
const TOKENIZERS = { bert: join(MODELS, '..', 'tokenizers', 'bert-base-uncased'), 'xlm-roberta': join(MODELS, 'xlmr-ce-tiny') };
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
          assert.ok(Math.abs(alone.logits[0] - together[i].logits[0]) < 1e-4, `doc ${i}: ${alone.logits[0]} vs ${together[i].logits[0]}`);
        }
        assert.ok(new Set(together.map((r) => r.logits[0].toFixed(6))).size > 1, 'different inputs, different logits');
      } finally {
        await model.close();
      }
    });
  }
});
