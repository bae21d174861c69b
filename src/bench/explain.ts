import { CrossEncoder } from '../backends/onnx/cross-encoder.js';
import { explainRerank } from '../explain/index.js';
import { benchModelFolder } from './models.js';
import { loadWords, makeWorkload, type WorkloadName } from './workloads.js';

/**
 * What an explanation costs: the same rerank with and without `explain`, on the benchmark's seeded
 * workloads and its real-shape random-weight models, reported per document.
 */
export interface ExplainBenchRow {
  workload: string;
  documents: number;
  maxCalls: number;
  /** Median ms of a plain rerank of the documents. */
  rerankMs: number;
  /** Median ms of the same rerank with explanations. */
  explainedMs: number;
  /** (explainedMs − rerankMs) / documents. */
  explainMsPerDocument: number;
  /** Extra pairs scored per document (median run). */
  pairsPerDocument: number;
}

export interface ExplainBenchOptions {
  model?: string;
  /** [workload, documents kept] pairs. */
  cases?: [WorkloadName, number][];
  /** Caps to run each case with. */
  maxCalls?: number[];
  runs?: number;
  threads?: number;
  log?: (line: string) => void;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await f();
  return [performance.now() - t0, out];
}

export async function benchExplain(o: ExplainBenchOptions = {}): Promise<ExplainBenchRow[]> {
  const dir = await benchModelFolder(o.model ?? 'minilm-l6', o.log);
  const model = await CrossEncoder.load(dir, { threads: o.threads, tokenCache: false });
  const words = loadWords();
  const rows: ExplainBenchRow[] = [];
  try {
    for (const [name, keep] of o.cases ?? [['titles-10', 10], ['passages-100', 10]]) {
      const w = makeWorkload(name, words);
      const docs = w.docs.slice(0, keep);
      for (const maxCalls of o.maxCalls ?? [512, 100_000]) {
        await explainRerank(model, w.query, docs, { explain: { maxCalls } }); // warm-up
        const plain: number[] = [];
        const explained: number[] = [];
        let pairs = 0;
        for (let i = 0; i < (o.runs ?? 3); i++) {
          plain.push((await timed(() => model.rerank(w.query, docs)))[0]);
          const [ms, results] = await timed(() => explainRerank(model, w.query, docs, { explain: { maxCalls } }));
          explained.push(ms);
          pairs = results.reduce((n, r) => n + r.explanation!.calls, 0);
        }
        const row = {
          workload: name, documents: docs.length, maxCalls, rerankMs: median(plain), explainedMs: median(explained),
          explainMsPerDocument: (median(explained) - median(plain)) / docs.length, pairsPerDocument: pairs / docs.length,
        };
        o.log?.(`${name} ×${docs.length}, maxCalls ${maxCalls}: ${row.explainMsPerDocument.toFixed(1)} ms per document (${row.pairsPerDocument.toFixed(1)} pairs)`);
        rows.push(row);
      }
    }
  } finally {
    await model.close();
  }
  return rows;
}
