/**
 * Measures rerankit's speed knobs on one workload, all configurations interleaved in one process:
 *   node --import tsx bench/knobs.ts [batch|threads|opt] [--workload titles-100] [--runs 5] [--model minilm-l6]
 * Prints median / fastest latency per configuration; docs/bench.md records what it showed.
 */
import { parseArgs } from 'node:util';
import { rerankitContender, type Contender, type EngineOptions } from '../src/bench/contenders.js';
import { benchModelFiles, benchModelFolder } from '../src/bench/models.js';
import { timeWorkload } from '../src/bench/runner.js';
import { loadWords, makeWorkload, parseWorkloads } from '../src/bench/workloads.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { workload: { type: 'string', default: 'titles-100' }, runs: { type: 'string', default: '5' }, model: { type: 'string', default: 'minilm-l6' }, dtype: { type: 'string', default: 'fp32' } },
});

const INF = 1 << 30;
const SWEEPS: Record<string, Record<string, EngineOptions>> = {
  batch: {
    ...Object.fromEntries([512, 1024, 2048, 4096, 8192, 16384].map((b) => [`budget ${b}, batch 256`, { batch: { tokenBudget: b, maxBatch: 256 } }])),
    ...Object.fromEntries([4, 8, 16, 32, 64, 128].map((m) => [`budget ∞, batch ${m}`, { batch: { tokenBudget: INF, maxBatch: m } }])),
    'budget ∞, batch ∞ (one padded batch)': { batch: { tokenBudget: INF, maxBatch: INF } },
  },
  budget: Object.fromEntries([128, 256, 384, 512, 768, 1024, 1536, 2048].map((b) => [`budget ${b}, batch 64`, { batch: { tokenBudget: b, maxBatch: 64 } }])),
  defaults: Object.fromEntries(
    [[256, 64], [512, 16], [512, 32], [512, 64], [1024, 64], [4096, 64]].map(([b, m]) => [`budget ${b}, batch ${m}`, { batch: { tokenBudget: b, maxBatch: m } }]),
  ),
  threads: { 'threads 1': { threads: 1 }, 'threads 2': { threads: 2 }, 'threads default': {} },
  opt: Object.fromEntries(['disabled', 'basic', 'extended', 'all'].map((l) => [`graph ${l}`, { graphOptimizationLevel: l as never }])),
};

const sweep = SWEEPS[positionals[0] ?? 'batch'];
if (!sweep) throw new Error(`sweep must be one of ${Object.keys(SWEEPS).join(', ')}`);
const dir = await benchModelFolder(values.model!, (l) => console.error(l));
const files = await benchModelFiles(dir, values.dtype!, (l) => console.error(l));
const w = makeWorkload(parseWorkloads(values.workload!)[0], loadWords());
const names = Object.keys(sweep);
const contenders: Contender[] = [];
for (const n of names) contenders.push({ ...(await rerankitContender(files, values.dtype!, w.longDocuments, sweep[n])), name: n as never });
const { timings } = await timeWorkload(w, contenders, Number(values.runs), undefined, (r) => console.error(`round ${r}`));
console.log(`${w.name}, ${values.model} ${values.dtype}, ${values.runs} interleaved rounds`);
for (const n of names) {
  const t = timings.get(n as never)!;
  console.log(`${n.padEnd(40)} p50 ${t.latency.p50.toFixed(1).padStart(8)} ms   min ${t.latency.min.toFixed(1).padStart(8)} ms`);
}
for (const c of contenders) await c.close();
