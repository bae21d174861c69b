import type { Analysis } from './analyze.js';
import type { Comparison, MultiComparison } from './compare.js';
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
  const rows = [['measure', 'A', 'B', 'delta', '95% CI', 'p(t)', 'p(perm)', 'd', 'W/T/L']];
  for (const m of c.metrics) {
    const d = Number.isFinite(m.effect_size) ? m.effect_size.toFixed(2) : String(m.effect_size);
    rows.push([m.measure, f4(m.a), f4(m.b), `${m.delta >= 0 ? '+' : ''}${f4(m.delta)}`, `[${f4(m.ci95[0])}, ${f4(m.ci95[1])}]`, pval(m.p_ttest), pval(m.p_permutation), d, `${m.wins}/${m.ties}/${m.losses}`]);
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

/** ranx's superscript letters (ranx/data_structures/report.py), with a real modifier q. */
const SUPERSCRIPT = [...'ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖ𐞥ʳˢᵗᵘᵛʷˣʸᶻ'];
const sup = (labels: string) => [...labels].map((c) => SUPERSCRIPT[c.charCodeAt(0) - 97] ?? `^${c}`).join('');

const TEST_NAMES: Record<MultiComparison['test'], string> = { ttest: 'paired t-test', fisher: "Fisher's randomization test", bootstrap: 'paired bootstrap test' };

function legend(mc: MultiComparison): string {
  const pairs = (mc.runs.length * (mc.runs.length - 1)) / 2;
  const corr = mc.correction === 'holm' ? `, Holm-Bonferroni over the ${pairs} pair${pairs === 1 ? '' : 's'} of each measure` : '';
  return `superscripts: the runs it is significantly better than (${TEST_NAMES[mc.test]}${corr}, p <= ${mc.max_p}); ${mc.queries} paired queries`;
}

/** The best mean of each measure, as printed (ties all bold). */
function best(mc: MultiComparison): Record<string, string> {
  return Object.fromEntries(mc.measures.map((m) => [m.name, f4(Math.max(...mc.runs.map((r) => r.means[m.name])))]));
}

const latexEscape = (s: string) => s.replace(/[\\{}&%#_$^~]/g, (c) => (c === '\\' ? '\\textbackslash{}' : c === '^' ? '\\^{}' : c === '~' ? '\\~{}' : `\\${c}`));

/**
 * Every run × measure with ranx's significance marks: a run's value carries the letters of the runs it
 * is significantly better than. Text (with a table of the pairs), Markdown or LaTeX (booktabs).
 */
export function formatMultiComparison(mc: MultiComparison, format: 'text' | 'markdown' | 'latex' = 'text'): string {
  const header = mc.measures.map((m) => (m.friendly && m.friendly !== m.name ? m.friendly : m.name));
  const top = best(mc);
  if (format === 'markdown') {
    const rows = mc.runs.map((r, i) => `| ${r.label} | ${r.name.replace(/\|/g, '\\|')} | ${mc.measures.map((m) => {
      const v = f4(r.means[m.name]);
      const marks = mc.better[i][m.name];
      return `${v === top[m.name] ? `**${v}**` : v}${marks ? `<sup>${marks}</sup>` : ''}`;
    }).join(' | ')} |`);
    return `| # | run | ${header.join(' | ')} |\n|---|---|${header.map(() => '---:|').join('')}\n${rows.join('\n')}\n\n${legend(mc)}; best in bold.\n`;
  }
  if (format === 'latex') {
    const rows = mc.runs.map((r, i) => `${r.label} & ${latexEscape(r.name)} & ${mc.measures.map((m) => {
      const v = f4(r.means[m.name]);
      const marks = mc.better[i][m.name];
      return `${v === top[m.name] ? `\\textbf{${v}}` : v}${marks ? `$^{${marks}}$` : ''}`;
    }).join(' & ')} \\\\`);
    return [
      '% needs \\usepackage{booktabs}',
      '\\begin{table}[ht]',
      '\\centering',
      `\\caption{${latexEscape(legend(mc)).replace(/p <= ([\d.e-]+)\)/, '$p \\le $1$)')}. Best in bold.}`,
      `\\begin{tabular}{cl|${'c'.repeat(mc.measures.length)}}`,
      '\\toprule',
      `\\# & Run & ${header.map(latexEscape).join(' & ')} \\\\`,
      '\\midrule',
      ...rows,
      '\\bottomrule',
      '\\end{tabular}',
      '\\end{table}',
      '',
    ].join('\n');
  }
  const runRows = [['#', 'run', ...header], ...mc.runs.map((r, i) => [r.label, r.name, ...mc.measures.map((m) => `${f4(r.means[m.name])}${sup(mc.better[i][m.name])}`)])];
  const pairRows = [['measure', 'pair', 'delta', 'p', mc.correction === 'holm' ? 'p(holm)' : 'p', 'd', 'W/T/L']];
  for (const p of mc.pairs) {
    const name = header[mc.measures.findIndex((m) => m.name === p.measure)];
    pairRows.push([name, `${mc.runs[p.b].label} vs ${mc.runs[p.a].label}`, `${p.delta >= 0 ? '+' : ''}${f4(p.delta)}`, pval(p.p), pval(p.p_adjusted) + (p.significant ? ' *' : ''), Number.isFinite(p.effect_size) ? p.effect_size.toFixed(2) : String(p.effect_size), `${p.wins}/${p.ties}/${p.losses}`]);
  }
  if (mc.correction !== 'holm') pairRows.forEach((r) => r.splice(3, 1));
  return `${table(runRows)}\n${legend(mc)}\n\n${table(pairRows)}\n`;
}
