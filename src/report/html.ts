import { renderCharts } from './charts.js';
import type { ReportModel } from './model.js';
import { tablesOf, type Table } from './tables.js';

/**
 * One self-contained HTML file: styles inline, charts as inline SVG, no scripts and no external
 * requests, so it opens offline and can be mailed to a colleague.
 */

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;color:#222;max-width:980px;margin:0 auto;padding:16px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ddd;padding-bottom:2px}
.meta{color:#666;font-size:12px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;display:block;overflow-x:auto}
th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f6f6f6}
td.text{text-align:left}td.wrap{white-space:normal;text-align:left;font-size:12px;min-width:160px}
.note{color:#666;font-size:12px;margin:4px 0}
figure{margin:8px 0;overflow-x:auto}svg{max-width:100%;height:auto}
@media print{body{max-width:none}}`;

/** Numbers (and intervals, percentages) align right; words align left. */
const NUMERIC = /^[-+\[\]\d.,%e —]+$|^-?Infinity$/;

function table(t: Table): string {
  const wide = new Set(t.head.map((h, i) => (/demoted|promoted/.test(h) ? i : -1)));
  const head = `<tr>${t.head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr>`;
  const cls = (c: string, i: number) => (wide.has(i) ? ' class="wrap"' : NUMERIC.test(c) ? '' : ' class="text"');
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(c, i)}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  const note = t.note ? `<p class="note">${esc(t.note)}</p>` : '';
  return `<section id="${t.id}"><h2>${esc(t.title)}</h2>${t.rows.length ? `<table data-table="${t.id}"><thead>${head}</thead><tbody>\n${rows}\n</tbody></table>` : ''}${note}</section>`;
}

export async function htmlReport(model: ReportModel, generated = new Date()): Promise<string> {
  const tables = tablesOf(model);
  const charts = await renderCharts(model);
  const [metrics, ...rest] = tables;
  const figures = charts.map((c) => `<section id="chart-${c.id}"><h2>${esc(c.title)}</h2><figure data-chart="${c.id}">${c.svg}</figure></section>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>rerankit ${model.kind}: ${esc(model.title)}</title><style>${STYLE}</style></head>
<body><h1>rerankit ${model.kind}: ${esc(model.title)}</h1>
<p class="meta">generated ${esc(generated.toISOString())} by rerankit</p>
${[metrics && table(metrics), ...figures, ...rest.map(table)].filter(Boolean).join('\n')}
</body></html>
`;
}
