import type { ReportModel } from './model.js';

/**
 * The report's charts as Vega-Lite specs, rendered to SVG strings here in Node (vega's headless
 * renderer: no DOM, no canvas), so the file holds finished drawings: no scripts, prints and zooms.
 * vega and vega-lite load only when a report is written.
 */

type Spec = Record<string, unknown>;

const WIDTH = 640;
const FONT = { font: 'system-ui, sans-serif' };

/** Renders one Vega-Lite spec to an SVG string. */
export async function toSvg(spec: Spec): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile({ $schema: undefined, config: { ...FONT, view: { stroke: null } }, ...spec } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Per-query bars sorted by value (eval) or by delta (compare), the worst query on the left. */
function perQuerySpec(values: { qid: string; value: number }[], label: string, signed: boolean): Spec {
  return {
    width: WIDTH, height: 180,
    data: { values: values.map((v, i) => ({ ...v, order: i })) },
    mark: 'bar',
    encoding: {
      x: { field: 'qid', type: 'ordinal', sort: { field: 'order' }, title: `queries (${values.length}), sorted`, axis: values.length > 40 ? { labels: false, ticks: false } : { labelAngle: -60 } },
      y: { field: 'value', type: 'quantitative', title: label },
      color: signed
        ? { condition: { test: 'datum.value < 0', value: '#c0392b' }, value: '#2e86c1' }
        : { value: '#2e86c1' },
    },
  };
}

function scoreSpec(scores: { run: string; score: number }[]): Spec {
  const runs = new Set(scores.map((s) => s.run)).size;
  return {
    width: WIDTH, height: 160,
    data: { values: scores },
    mark: { type: 'bar', opacity: runs > 1 ? 0.6 : 1 },
    encoding: {
      x: { field: 'score', type: 'quantitative', bin: { maxbins: 40 }, title: 'score' },
      y: { aggregate: 'count', type: 'quantitative', title: 'documents', stack: null },
      color: { field: 'run', type: 'nominal', legend: runs > 1 ? { orient: 'top', title: null } : null },
    },
  };
}

function winTieLossSpec(rows: { measure: string; wins: number; ties: number; losses: number }[]): Spec {
  const values = rows.flatMap((r) => [
    { measure: r.measure, outcome: 'win', n: r.wins, k: 0 },
    { measure: r.measure, outcome: 'tie', n: r.ties, k: 1 },
    { measure: r.measure, outcome: 'loss', n: r.losses, k: 2 },
  ]);
  return {
    width: WIDTH, height: { step: 22 },
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'measure', type: 'nominal', sort: null, title: null },
      x: { field: 'n', type: 'quantitative', stack: 'zero', title: 'queries' },
      order: { field: 'k' },
      color: { field: 'outcome', type: 'nominal', sort: ['win', 'tie', 'loss'], scale: { domain: ['win', 'tie', 'loss'], range: ['#27ae60', '#bdc3c7', '#c0392b'] }, legend: { orient: 'top', title: null } },
    },
  };
}

export interface Chart {
  id: string;
  title: string;
  svg: string;
}

/** Every chart the model has data for, rendered. */
export async function renderCharts(model: ReportModel): Promise<Chart[]> {
  const specs: { id: string; title: string; spec: Spec }[] = [];
  if (model.kind === 'eval' && model.perQuery) {
    specs.push({ id: 'per-query', title: `${model.perQuery.measure} per query`, spec: perQuerySpec(model.perQuery.values, model.perQuery.measure, false) });
  }
  const pair = model.kind === 'compare' ? { ...model, what: 'B − A', against: 'B against A' } : model.rerank && { ...model.rerank, what: 'reranked − first stage', against: 'reranked against the first stage' };
  if (pair) {
    if (pair.analysis) {
      const deltas = [...pair.analysis.queries].sort((x, y) => x.delta - y.delta || x.qid.localeCompare(y.qid)).map((q) => ({ qid: q.qid, value: q.delta }));
      specs.push({ id: 'delta', title: `Δ ${pair.analysis.measure} per query (${pair.what})`, spec: perQuerySpec(deltas, `Δ ${pair.analysis.measure}`, true) });
    }
    specs.push({ id: 'win-tie-loss', title: `Win / tie / loss (${pair.against})`, spec: winTieLossSpec(pair.comparison.metrics) });
  }
  if (model.scores.length) specs.push({ id: 'scores', title: 'Distribution of scores', spec: scoreSpec(model.scores) });
  const out: Chart[] = [];
  for (const s of specs) out.push({ id: s.id, title: s.title, svg: await toSvg(s.spec) });
  return out;
}
