import type { Analysis } from '../eval/analyze.js';
import type { Comparison } from '../eval/compare.js';
import type { ReportModel } from './model.js';

/** The report's tables as plain rows, one source for the HTML and the Markdown report. */
export interface Table {
  id: string;
  title: string;
  head: string[];
  rows: string[][];
  note?: string;
}

/** Four decimals, as trec_eval prints. */
const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));
const signed = (x: number) => (x > 0 ? `+${f(x)}` : f(x));
const ci = (c: [number, number] | null) => (c ? `[${f(c[0])}, ${f(c[1])}]` : '—');
const p = (x: number) => (x < 1e-4 ? x.toExponential(1) : f(x));

export function tablesOf(model: ReportModel): Table[] {
  if (model.kind === 'eval') {
    const tables: Table[] = [{
      id: 'metrics', title: 'Metrics', head: ['measure', 'mean', '95% CI'],
      rows: model.metrics.map((m) => [m.measure, f(m.mean), ci(m.ci95)]),
      note: `${model.queries} queries; intervals: percentile bootstrap of the mean over the queries.`,
    }];
    if (model.latency) {
      const l = model.latency;
      tables.push({
        id: 'latency', title: 'Latency of the rerank call per query (ms)', head: ['calls', 'mean', 'p50', 'p90', 'p99', 'max'],
        rows: [[String(l.calls), ...[l.mean_ms, l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms].map((x) => x.toFixed(1))]],
      });
    }
    if (model.rerank) tables.push(...compareTables(model.rerank.comparison, model.rerank.analysis, 'first stage', 'reranked', 'rerank-', 'Reranked against the first stage: '));
    return tables;
  }
  return compareTables(model.comparison, model.analysis, model.a, model.b, '');
}

/** The two-run tables: metrics, significance, error classes, worst queries (ids prefixed by `id`). */
function compareTables(comparison: Comparison, an: Analysis | null, aName: string, bName: string, id: string, title = ''): Table[] {
  const ms = comparison.metrics;
  const tables: Table[] = [
    {
      id: `${id}metrics`, title: `${title}Metrics`, head: ['measure', 'A', 'B', 'Δ (B − A)', 'relative', 'Δ 95% CI'],
      rows: ms.map((m) => [m.measure, f(m.a), f(m.b), signed(m.delta), m.relative === null ? '—' : `${(m.relative * 100).toFixed(1)}%`, ci(m.ci95)]),
      note: `A = ${aName}, B = ${bName}; ${comparison.queries} queries; interval: percentile bootstrap of the mean paired difference.`,
    },
    {
      id: `${id}significance`, title: `${title}Significance`, head: ['measure', 't', 'p (paired t-test)', 'p (permutation)', "effect size (Cohen's d)", 'win', 'tie', 'loss'],
      rows: ms.map((m) => [m.measure, f(m.t), p(m.p_ttest), p(m.p_permutation), f(m.effect_size), String(m.wins), String(m.ties), String(m.losses)]),
    },
  ];
  if (an) {
    tables.push({
      id: `${id}error-classes`, title: `${title}Error analysis (${an.measure}, top ${an.depth})`, head: ['class', 'queries'],
      rows: Object.entries(an.summary).map(([k, n]) => [k.replace(/_/g, ' '), String(n)]),
    });
    const worst = an.queries.filter((q) => q.delta < -1e-9).slice(0, 10);
    const docs = (ms: { docid: string; from: number | null; to: number | null }[]) =>
      ms.slice(0, 5).map((m) => `${m.docid} (${m.from ?? '—'}→${m.to ?? '—'})`).join(', ') + (ms.length > 5 ? ` +${ms.length - 5}` : '');
    tables.push({
      id: `${id}worst`, title: `${title}Worst queries`, head: ['query', 'A', 'B', 'Δ', 'class', 'relevant demoted (rank A→B)', 'non-relevant promoted (rank A→B)'],
      rows: worst.map((q) => [q.qid, f(q.baseline), f(q.run), signed(q.delta), q.class.replace(/_/g, ' '), docs(q.relevant_demoted), docs(q.irrelevant_promoted)]),
      note: worst.length ? undefined : 'No query got worse.',
    });
  }
  return tables;
}
