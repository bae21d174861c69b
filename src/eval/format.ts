import type { Analysis } from './analyze.js';
import type { Comparison } from './compare.js';
import type { EvalResult } from './types.js';

const f4 = (x: number) => x.toFixed(4);

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

/** trec_eval-like summary: one line per measure, values to 4 decimals, friendly name alongside. */
export function formatEval(result: EvalResult, trecNames: string[], friendly: Record<string, string>): string {
  const n = Object.keys(result.per_query).length;
  const rows = [['measure', 'name', 'all'], ...trecNames.map((m) => [m, friendly[m] ?? '', f4(result.all[m])])];
  return `${table(rows)}\n(${n} queries)\n`;
}

const pval = (p: number) => (p < 0.0001 ? '<0.0001' : p.toFixed(4));

export function formatComparison(c: Comparison, nameA: string, nameB: string): string {
  const rows = [['measure', 'A', 'B', 'delta', '95% CI', 'p(t)', 'p(perm)', 'W/T/L']];
  for (const m of c.metrics) {
    rows.push([m.measure, f4(m.a), f4(m.b), `${m.delta >= 0 ? '+' : ''}${f4(m.delta)}`, `[${f4(m.ci95[0])}, ${f4(m.ci95[1])}]`, pval(m.p_ttest), pval(m.p_permutation), `${m.wins}/${m.ties}/${m.losses}`]);
  }
  return `A = ${nameA}\nB = ${nameB}\n${table(rows)}\n(${c.queries} paired queries)\n`;
}

export function formatAnalysis(a: Analysis, limit = 20): string {
  const s = Object.entries(a.summary).map(([k, v]) => `${k}: ${v}`).join(', ');
  const rows = [['qid', 'baseline', 'run', 'delta', 'class', 'relevant demoted', 'irrelevant promoted']];
  for (const q of a.queries.slice(0, limit)) {
    const moves = (ms: typeof q.relevant_demoted) => ms.map((m) => `${m.docid}(${m.from ?? '-'}→${m.to ?? '-'})`).join(' ') || '-';
    rows.push([q.qid, f4(q.baseline), f4(q.run), f4(q.delta), q.class, moves(q.relevant_demoted), moves(q.irrelevant_promoted)]);
  }
  return `${a.measure}, moves in and out of the top ${a.depth}; ${s}\nworst ${Math.min(limit, a.queries.length)} of ${a.queries.length} queries:\n${table(rows)}\n`;
}
