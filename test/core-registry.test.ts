import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { createReranker, registerReranker, rerankerKinds, rerankerOptions, type RerankerConfig } from '../src/registry.js';
import type { Reranker } from '../src/types.js';

const bad = (re: RegExp) => (e: unknown) => (e as { code?: string }).code === 'RERANK_BAD_OPTION' && re.test((e as Error).message);

/** A kind whose factory records the config it got, building a reranker that is never used. */
function recordingKind(kind: string, schema?: Parameters<typeof registerReranker>[2]): RerankerConfig[] {
  const seen: RerankerConfig[] = [];
  const reranker: Reranker = { name: kind, rerank: async () => [], close: async () => {} };
  registerReranker(kind, async () => async (config) => (seen.push(config), reranker), schema);
  return seen;
}

describe('registry: each kind declares its options', () => {
  it('an ONNX option with a typo, a wrong value or a wrong nested key is refused before any model loads', async () => {
    // A missing folder would be RERANK_MODEL_NOT_FOUND if anything tried to load it.
    const ce = (o: Record<string, unknown>) => createReranker({ kind: 'cross-encoder', model: '/nonexistent/model-folder', ...o });
    await assert.rejects(ce({ maxLenght: 128 }), bad(/^cross-encoder: unknown option "maxLenght" \(did you mean "maxLength"\?\)$/));
    await assert.rejects(ce({ maxLength: 0 }), bad(/^cross-encoder: option "maxLength" must be an integer >= 1, got 0$/));
    await assert.rejects(ce({ longDocuments: 'split' }), bad(/^cross-encoder: option "longDocuments" must be "truncate" or "chunk", got "split"$/));
    await assert.rejects(ce({ graphOptimizationLevel: 'max' }), bad(/^cross-encoder: option "graphOptimizationLevel" must be "disabled", "basic", "extended" or "all", got "max"$/));
    await assert.rejects(ce({ batch: { tokenBudget: 512, maxBtach: 8 } }), bad(/^cross-encoder: unknown option "batch.maxBtach" \(did you mean "batch.maxBatch"\?\)$/));
    await assert.rejects(ce({ batch: { tokenBudget: -1 } }), bad(/^cross-encoder: option "batch.tokenBudget" must be an integer >= 1, got -1$/));
    await assert.rejects(ce({ batch: 512 }), bad(/^cross-encoder: option "batch" must be an object \{tokenBudget\?, maxBatch\?\}/));
    await assert.rejects(ce({ tokenCache: 'no' }), bad(/^cross-encoder: option "tokenCache" must be true or false, got "no"$/));
    await assert.rejects(ce({ pooling: 'cls' }), bad(/^cross-encoder: unknown option "pooling"/), 'a bi-encoder option');
    await assert.rejects(createReranker({ kind: 'bi-encoder', model: '/nonexistent/model-folder', pooling: 'first' }), bad(/^bi-encoder: option "pooling" must be "mean", "cls", "max" or "lasttoken", got "first"$/));
    await assert.rejects(createReranker({ kind: 'bi-encoder', model: '/nonexistent/model-folder', longDocuments: 'chunk' }), bad(/^bi-encoder: unknown option "longDocuments"/));
    // Valid options get as far as looking for the model.
    await assert.rejects(ce({ maxLength: '128', batch: { maxBatch: 8 }, threads: 1 }), { code: 'RERANK_MODEL_NOT_FOUND' });
  });

  it('lists each kind\'s options; an unknown kind is named with the known ones', () => {
    for (const k of rerankerKinds().filter((x) => !x.startsWith('test-'))) assert.ok(rerankerOptions(k)!.length > 0, k);
    assert.ok(rerankerOptions('cross-encoder')!.includes('longDocuments'));
    assert.ok(!rerankerOptions('listwise')!.includes('dtype'));
    assert.ok(rerankerOptions('cohere')!.includes('apiVersion') && !rerankerOptions('jina')!.includes('apiVersion'));
    assert.throws(() => rerankerOptions('cross-encodr'), bad(/^unknown reranker "cross-encodr" \(known: cross-encoder, bi-encoder, /));
  });

  it('a user kind with a schema is checked strictly and gets the parsed options', async () => {
    const seen = recordingKind('test-schema', z.object({ size: z.coerce.number().int().min(1).describe('a size >= 1'), inner: z.object({ on: z.boolean() }).optional() }));
    await createReranker({ kind: 'test-schema', size: '3', inner: { on: true } });
    assert.deepEqual(seen, [{ kind: 'test-schema', size: 3, inner: { on: true } }]);
    await assert.rejects(createReranker({ kind: 'test-schema', size: 0 }), bad(/^test-schema: option "size" must be a size >= 1, got 0$/));
    await assert.rejects(createReranker({ kind: 'test-schema', size: 1, colour: 'red' }), bad(/^test-schema: unknown option "colour" \(known: size, inner\)$/));
    await assert.rejects(createReranker({ kind: 'test-schema', size: 1, inner: { on: true, off: false } }), bad(/^test-schema: unknown option "inner.off"/), 'nested objects are strict too');
    assert.equal(seen.length, 1);
    assert.deepEqual(rerankerOptions('test-schema'), ['size', 'inner']);
  });

  it('a user kind without a schema gets its options as given', async () => {
    const seen = recordingKind('test-free');
    await createReranker({ kind: 'test-free', anything: { goes: [1] }, n: '2' }, { defaults: { dtype: 'fp16' } });
    assert.deepEqual(seen, [{ kind: 'test-free', anything: { goes: [1] }, n: '2', dtype: 'fp16' }]);
    assert.equal(rerankerOptions('test-free'), undefined);
  });

  it('defaults apply only where the kind declares the option and the config leaves it unset', async () => {
    const seen = recordingKind('test-defaults', z.object({ dtype: z.string(), threads: z.number() }).partial());
    await createReranker({ kind: 'test-defaults', threads: 2 }, { defaults: { dtype: 'int8', threads: 8, maxLength: 256, longDocuments: 'chunk', kind: 'listwise' } });
    assert.deepEqual(seen, [{ kind: 'test-defaults', dtype: 'int8', threads: 2 }]);
    await assert.rejects(createReranker({ kind: 'test-defaults' }, { defaults: { dtype: 5 } }), bad(/^test-defaults: option "dtype"/), 'a default is checked like any option');
  });
});

describe('registry: checking options loads no backend', () => {
  it('a refused config loads neither onnxruntime nor any backend module', () => {
    const trace = new URL('./helpers/import-trace.mjs', import.meta.url).pathname;
    const script = [
      "const { createReranker } = await import('./src/registry.ts');",
      "for (const c of [{ kind: 'cross-encoder', model: 'm', maxLenght: 1 }, { kind: 'listwise', concurrency: 0 }, { kind: 'tei', dtype: 'x' }]) {",
      "  await createReranker(c).then(() => process.exit(3), (e) => console.log(e.code));",
      '}',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', trace, '--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['RERANK_BAD_OPTION', 'RERANK_BAD_OPTION', 'RERANK_BAD_OPTION']);
    assert.match(r.stderr, /IMPORT .*src\/registry\.ts/, 'the trace works');
    assert.doesNotMatch(r.stderr, /IMPORT .*(onnxruntime|tokenizers|src\/backends\/)/);
  });
});
