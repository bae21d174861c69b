/**
 * What `explain` costs on the MiniLM-L6-shaped cross-encoder (random weights, real shape, generated
 * by `rerankit bench` into ~/.cache/rerankit/bench): a rerank with and without explanations, per document.
 *   node --import tsx bench/explain.ts [--model minilm-l6] [--runs 3] [--threads N] [--json]
 */
import { parseArgs } from 'node:util';
import { benchExplain } from '../src/bench/explain.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'minilm-l6' }, runs: { type: 'string', default: '3' }, threads: { type: 'string' }, json: { type: 'boolean' } } });
const rows = await benchExplain({
  model: values.model, runs: Number(values.runs), threads: values.threads ? Number(values.threads) : undefined,
  log: (line) => process.stderr.write(`bench: ${line}\n`),
});
if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
else {
  console.log('| workload | documents | maxCalls | rerank ms | with explain ms | explain ms / document | extra pairs / document |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.workload} | ${r.documents} | ${r.maxCalls} | ${r.rerankMs.toFixed(1)} | ${r.explainedMs.toFixed(1)} | ${r.explainMsPerDocument.toFixed(1)} | ${r.pairsPerDocument.toFixed(1)} |`);
}
