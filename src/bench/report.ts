import type { BenchReport, WorkloadResult } from './bench.js';

const COLUMNS = ['workload', 'dtype', 'pairs', 'tokens', 'p50 ms', 'p95 ms', 'pairs/s', 'tokens/s', 'GFLOP/s', '% peak (p50/best)', 'pad %', 'mem +MiB', 'vs Transformers.js', 'vs raw ORT'];

const fmt = (x: number | undefined, digits = 0) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

/** One row per workload and dtype: rerankit's numbers and how many times slower the others are. */
function row(r: WorkloadResult): string[] {
  const c = r.contenders.rerankit!;
  const ratio = (n: 'transformersjs' | 'ort') => {
    const s = r.speedup[n];
    const fp32 = r.speedupVsFp32?.[n];
    return s === undefined ? '–' : `${s.toFixed(2)}× (${fmt(r.contenders[n]?.latency.p50, 1)} ms)${fp32 === undefined ? '' : `, ${fp32.toFixed(2)}× its fp32`}`;
  };
  return [
    r.workload + (r.longDocuments === 'chunk' ? ' (chunk)' : ''),
    r.dtype,
    String(r.pairs),
    String(r.realTokens),
    fmt(c.latency.p50, 1),
    fmt(c.latency.p95, 1),
    fmt(c.pairsPerSec),
    fmt(c.tokensPerSec),
    fmt(c.gflops, 1),
    `${fmt(c.pctOfPeak)} / ${fmt(c.pctOfPeakBest)}`,
    fmt(c.paddedTokens ? (100 * (c.paddedTokens - r.realTokens)) / r.realTokens : undefined, 1),
    fmt(c.rss.growthMiB),
    ratio('transformersjs'),
    ratio('ort'),
  ];
}

/** A Markdown table (readable in a terminal too) with the machine and the peak above it. */
export function formatReport(rep: BenchReport): string {
  const m = rep.machine;
  const rows = [COLUMNS, ...rep.results.map(row)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const s = rep.settings;
  return [
    `machine: ${m.cpu}, ${m.cores ?? m.cpus} cores (${m.flags.join(', ')}), ${m.memoryGiB} GiB; Node ${m.node}, onnxruntime-node ${m.onnxruntime}`,
    `model: ${rep.model.folder} (hidden ${rep.model.hidden}, ${rep.model.layers} layers, intermediate ${rep.model.intermediate})`,
    `settings: threads ${s.threads}, graph optimization ${s.graphOptimizationLevel}, token budget ${s.batch.tokenBudget}, max batch ${s.batch.maxBatch}`,
    `fp32 matmul peak: ${rep.peak.gflops.toFixed(1)} GFLOP/s (best of ${rep.peak.samples} ${rep.peak.n}×${rep.peak.n} MatMuls through onnxruntime-node; median ${rep.peak.medianGflops.toFixed(1)})`,
    '',
    line(rows[0]),
    rule,
    ...rows.slice(1).map(line),
    ...fidelityLines(rep),
    '',
    'Latency, throughput and GFLOP/s are rerankit\'s (median of interleaved rounds, tokenization included); tokens are real tokens, no padding;',
    '"% peak": useful GFLOP/s at the median (and fastest) round ÷ the best matmul sample; "pad %": padding rerankit\'s batches add; "mem +MiB": most one rerankit call grew the process;',
    '"vs X": X\'s median ÷ rerankit\'s on the same dtype (> 1: rerankit is faster), X\'s median in brackets; "its fp32": X at fp32 ÷ rerankit at this dtype.',
  ].join('\n');
}

/** Score agreement of the non-fp32 rows with fp32, one line each. */
function fidelityLines(rep: BenchReport): string[] {
  const rows = rep.results.filter((r) => r.fidelity);
  if (!rows.length) return [];
  return [
    '',
    ...rows.map((r) => {
      const f = r.fidelity!;
      return `${r.dtype} vs ${f.vs} on ${r.workload}: mean |Δscore| ${f.meanAbsScoreDiff.toFixed(4)}, max ${f.maxAbsScoreDiff.toFixed(4)}, Spearman ${f.spearman.toFixed(4)}, top-10 overlap ${(100 * f.top10Overlap).toFixed(0)}%`;
    }),
  ];
}
