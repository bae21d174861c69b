import type { ReportModel } from './model.js';
import { tablesOf, type Table } from './tables.js';

/** A Markdown report for pasting into a pull request: the tables only, GitHub's pipe syntax. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(t: Table): string {
  const lines = [`## ${t.title}`, ''];
  if (t.rows.length) {
    lines.push(`| ${t.head.map(cell).join(' | ')} |`, `|${t.head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const r of t.rows) lines.push(`| ${r.map(cell).join(' | ')} |`);
    lines.push('');
  }
  if (t.note) lines.push(t.note, '');
  return lines.join('\n');
}

export function markdownReport(model: ReportModel): string {
  return [`# rerankit ${model.kind}: ${model.title}`, '', ...tablesOf(model).map(table)].join('\n');
}
