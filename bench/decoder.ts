/**
 * Decoder LLM rerankers, measured: a random-weight decoder with Qwen3-0.6B's width (generated on first
 * use in the bench cache, see src/bench/make-decoder.ts), one query and 20 documents of ~100 words,
 * the default instruction; rerankit with the shared-prefix KV cache, rerankit without it, and
 * Transformers.js the standard way, interleaved in one process, against the machine's fp32 matmul peak.
 *   node --import tsx bench/decoder.ts [--layers 4] [--vocab 3261] [--docs 20] [--runs 3] [--dtype fp32|int8] [--threads N] [--json] [--out FILE]
 *   node --import tsx bench/decoder.ts budget [--runs 2]     # the token budget sweep behind DECODER_LIMITS
 * docs/bench.md records what it showed.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DecoderReranker } from '../src/backends/onnx/decoder/reranker.js';
import type { Contender, ContenderName } from '../src/bench/contenders.js';
import { decoderBenchFolder, decoderWorkload, formatDecoderReport, runDecoderBench } from '../src/bench/decoder.js';
import { QWEN3_06B_4L } from '../src/bench/make-decoder.js';
import { timeWorkload } from '../src/bench/runner.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    layers: { type: 'string', default: '4' }, vocab: { type: 'string', default: '3261' }, docs: { type: 'string', default: '20' },
    runs: { type: 'string' }, threads: { type: 'string' }, seed: { type: 'string', default: '1' },
    dtype: { type: 'string', default: 'fp32' }, json: { type: 'boolean' }, out: { type: 'string' }, 'no-transformersjs': { type: 'boolean' },
  },
});
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const threads = values.threads ? Number(values.threads) : undefined;

if (positionals[0] === 'budget') {
  // Token budgets per ONNX call, both paths, interleaved (the defaults are chosen from this).
  const shape = { ...QWEN3_06B_4L, layers: Number(values.layers), vocab: Number(values.vocab) };
  const dir = await decoderBenchFolder(shape, log);
  const w = decoderWorkload(Number(values.seed), Number(values.docs));
  const contenders: Contender[] = [];
  for (const prefixCache of [false, true]) {
    for (const [tokenBudget, maxBatch] of [[256, 32], [512, 32], [1024, 32], [2048, 32], [4096, 32], [1 << 30, 1 << 30]]) {
      const r = await DecoderReranker.load(dir, { prefixCache, threads, batch: { tokenBudget, maxBatch } });
      const name = `${prefixCache ? 'cache' : 'no cache'}, budget ${tokenBudget > 1e6 ? '∞ (one batch)' : tokenBudget}`;
      contenders.push({ name: name as ContenderName, run: async (x) => (await r.rerank(x.query, x.docs)).map((y) => y.logits!), close: () => r.close() });
    }
  }
  const { timings } = await timeWorkload(w, contenders, Number(values.runs ?? 2), undefined, (r) => log(`round ${r}`));
  for (const c of contenders) console.log(`${c.name.padEnd(32)} p50 ${timings.get(c.name)!.latency.p50.toFixed(0).padStart(7)} ms   min ${timings.get(c.name)!.latency.min.toFixed(0).padStart(7)} ms`);
  for (const c of contenders) await c.close();
} else {
  const report = await runDecoderBench({
    layers: Number(values.layers), vocab: Number(values.vocab), docs: Number(values.docs), runs: values.runs ? Number(values.runs) : undefined,
    seed: Number(values.seed), threads, dtype: values.dtype as 'fp32' | 'int8', transformersjs: !values['no-transformersjs'], log, warn: log,
  });
  if (values.out) await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(values.json ? JSON.stringify(report) : formatDecoderReport(report));
}
