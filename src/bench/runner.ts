import type { Contender, ContenderName } from './contenders.js';
import type { MatMulPeak } from './peak.js';
import { RssSampler, summarize, type Latency } from './stats.js';
import type { Workload } from './workloads.js';

export interface ContenderTiming {
  latency: Latency;
  /**
   * Highest resident memory of the process seen during its calls, and the most one call grew it. All
   * contenders share the process, so the peak includes the others' models and buffers; the growth is
   * this contender's own working memory (when it ran the workload for the first time in the process).
   */
  rss: { peakMiB: number; growthMiB: number };
  /** Largest |logit - rerankit's logit| over the workload: proof that both scored the same inputs. */
  maxAbsLogitDiff?: number;
}

/**
 * Times every contender on one workload. Rounds interleave the contenders, rotating who goes first,
 * so background load and thermal drift hit all of them alike; one matrix-multiply peak sample follows
 * each round for the same reason. The first call of each is a warm-up and is not timed.
 */
export interface WorkloadTimings {
  timings: Map<ContenderName, ContenderTiming>;
  /** Each contender's logits from its warm-up call, per document. */
  logits: Map<ContenderName, number[][]>;
}

export async function timeWorkload(w: Workload, contenders: Contender[], runs: number, peak?: MatMulPeak, onRound?: (done: number) => void): Promise<WorkloadTimings> {
  const ms = new Map<ContenderName, number[]>(contenders.map((c) => [c.name, []]));
  const rss = new Map(contenders.map((c) => [c.name, { peakMiB: 0, growthMiB: 0 }]));
  const first = new Map<ContenderName, number[][]>();
  // Memory is sampled on every call, the untimed first one included: that is where buffers grow.
  const call = async (c: Contender) => {
    const sampler = new RssSampler();
    sampler.start();
    const t0 = performance.now();
    const logits = await c.run(w);
    const elapsed = performance.now() - t0;
    const m = sampler.stop();
    const acc = rss.get(c.name)!;
    rss.set(c.name, { peakMiB: Math.max(acc.peakMiB, m.peakMiB), growthMiB: Math.max(acc.growthMiB, m.growthMiB) });
    return { logits, elapsed };
  };
  for (const c of contenders) first.set(c.name, (await call(c)).logits);
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(round + i) % contenders.length];
      ms.get(c.name)!.push((await call(c)).elapsed);
    }
    if (peak) await peak.sample();
    onRound?.(round + 1);
  }
  const ref = first.get('rerankit');
  const timings = new Map(
    contenders.map((c) => [c.name, { latency: summarize(ms.get(c.name)!), rss: rss.get(c.name)!, ...(ref && c.name !== 'rerankit' ? { maxAbsLogitDiff: maxAbsDiff(ref, first.get(c.name)!) } : {}) }]),
  );
  return { timings, logits: first };
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - (b[i]?.[j] ?? NaN))))));
  return m;
}
