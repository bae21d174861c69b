import { RerankError } from '../errors.js';
import { cAtof, cAtol, cFixed } from './c-number.js';
import { alphaNdcg, err, judgedAt, mrrCut, ndcgExp, rbp, rbpResidual, type ExtraMeasure } from './extra-measures.js';
import { NICKNAMES, OTHER_FORMAT_NICKNAMES, TREC_MEASURE_BY_NAME, TREC_MEASURES, type PairParam, type ParamValues, type TrecMeasure } from './trec-measures.js';

/**
 * Which measures to compute, from `-m` specs. trec_eval's own syntax behaves as in trec_eval
 * (trec_eval.c mark_measure, meas_init.c): `-m P`, `-m P.5,10`, `-m ndcg.1=3,2=7`, nicknames
 * `official` (its default), `set`, `all_trec`; the first parameters given for a measure win; cutoffs are
 * sorted. rerankit adds: one value by its printed name (`P_10`, `ndcg_cut_10`, `iprec_at_recall_0.50`,
 * accumulated, so `-m P_5 -m P_10` gives both), friendly names (`nDCG@10`, `MRR`, `MRR@10`, `R@100`,
 * `hit@10`, `MAP@100`), and measures beyond trec_eval under their ir_measures names (`Judged@10`,
 * `nDCG(dcg='exp-log2')@10`, `ERR@20`, `RBP(p=0.8)`, `RBP_resid(p=0.8)`, `alpha_nDCG@20`).
 */

/** One value a measure produces: its trec_eval name and the friendly name shown beside it. */
export interface Measure {
  name: string;
  friendly: string;
}

/** A trec_eval measure marked for computing, with its parameters and the names of its values. */
export interface TrecInstance {
  def: TrecMeasure;
  params: ParamValues;
  names: string[];
  friendly: (string | undefined)[];
}

export interface MeasurePlan {
  /** In trec_eval's table order, which is its print order. */
  trec: TrecInstance[];
  /** After them, in the order first asked for. */
  extra: ExtraMeasure[];
}

/** What `evaluate()` reports unless told otherwise (rerankit's set; the CLI's run-file default is trec_eval's `official`). */
export const DEFAULT_MEASURES = ['ndcg_cut_10', 'recip_rank', 'map', 'P_10', 'recall_100'];

const badOption = (message: string) => new RerankError('RERANK_BAD_OPTION', message);

const CUTOFF_FAMILIES = new Set(['P', 'recall', 'success', 'ndcg_cut', 'map_cut', 'relative_P', 'unj']);
const POINT_FAMILIES = new Set(['iprec_at_recall', 'Rprec_mult']);

/** Friendly spellings (case-insensitive) of trec_eval measures with a cutoff. */
const FRIENDLY_CUTOFF: Record<string, string> = {
  'ndcg@': 'ndcg_cut', 'p@': 'P', 'precision@': 'P', 'r@': 'recall', 'recall@': 'recall', 'hit@': 'success', 'hitrate@': 'success',
  'hit_rate@': 'success', 'success@': 'success', 'map@': 'map_cut', 'ap@': 'map_cut',
};
/** Friendly (and ir_measures) names of trec_eval measures without parameters. */
const FRIENDLY_SINGLE: Record<string, string> = {
  mrr: 'recip_rank', rr: 'recip_rank', ap: 'map', map: 'map', ndcg: 'ndcg', bpref: 'bpref', rprec: 'Rprec', infap: 'infAP', numq: 'num_q', numret: 'num_ret',
  numrel: 'num_rel', numrelret: 'num_rel_ret', setp: 'set_P', setr: 'set_recall', setap: 'set_map', setf: 'set_F',
};

const FRIENDLY_NAME: Record<string, (k: string) => string> = {
  ndcg_cut: (k) => `nDCG@${k}`, P: (k) => `P@${k}`, recall: (k) => `Recall@${k}`, success: (k) => `HitRate@${k}`,
};
const FRIENDLY_PLAIN: Record<string, string> = { map: 'MAP', recip_rank: 'MRR', ndcg: 'nDCG' };

/** get_long_cutoffs: atol of each, sorted; positive and distinct. */
function longCutoffs(measure: string, text: string): number[] {
  const c = text.split(',').map(cAtol).sort((a, b) => a - b);
  if (c[0] <= 0) throw badOption(`cutoffs of ${measure} must be positive (trec_eval: "Negative cutoff detected"), got "${text}"`);
  for (let i = 1; i < c.length; i++) if (c[i] === c[i - 1]) throw badOption(`duplicate cutoffs in ${measure}.${text}`);
  return c;
}

/** get_double_cutoffs: atof of each, sorted, distinct. */
function doubleCutoffs(measure: string, text: string): number[] {
  const c = text.split(',').map(cAtof).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < c.length; i++) if (c[i] === c[i - 1]) throw badOption(`duplicate cutoffs in ${measure}.${text}`);
  return c;
}

/** get_param_pairs: `name=value,name=value`, strictly alternating; values read with atof. */
function pairParams(measure: string, text: string): PairParam[] {
  let last = ',';
  for (const c of text) {
    if (c === ',') {
      if (last === ',') break;
      last = ',';
    } else if (c === '=') {
      if (last === '=') {
        last = ',';
        break;
      }
      last = '=';
    }
  }
  if (last !== '=') throw badOption(`malformed pair parameters "${text}" of ${measure} (expected name=value,name=value, e.g. ndcg.1=3,2=7)`);
  return text.split(',').map((part) => {
    const eq = part.indexOf('=');
    return { name: part.slice(0, eq), value: cAtof(part.slice(eq + 1)) };
  });
}

function parseParams(def: TrecMeasure, text: string): ParamValues {
  switch (def.kind) {
    case 'cut_long':
      return longCutoffs(def.name, text);
    case 'cut_double':
      return doubleCutoffs(def.name, text);
    case 'p_double': {
      const v = text.split(',').map(cAtof);
      if (def.name === 'utility' && v.length !== 4) throw badOption(`utility needs 4 coefficients (utility.a,b,c,d), got "${text}"`);
      return v;
    }
    case 'p_pair':
      return pairParams(def.name, text);
    default:
      return [];
  }
}

/** `name(k=v,k=v)@cutoff` (ir_measures' syntax; quotes around values optional). */
function irMeasure(spec: string): { name: string; params: Map<string, string>; cutoff?: number } | undefined {
  const m = /^([A-Za-z_α]+)(?:\(([^)]*)\))?(?:@(\d+))?$/.exec(spec);
  if (!m) return undefined;
  const params = new Map<string, string>();
  for (const part of (m[2] ?? '').split(',').filter((x) => x.trim() !== '')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim().replace(/^['"]|['"]$/g, ''));
  }
  return { name: m[1], params, cutoff: m[3] === undefined ? undefined : Number(m[3]) };
}

function numberParam(spec: string, params: Map<string, string>, key: string, fallback: number, ok: (x: number) => boolean = Number.isFinite): number {
  const v = params.get(key);
  if (v === undefined) return fallback;
  const x = Number(v);
  if (v.trim() === '' || !ok(x)) throw badOption(`${spec}: bad value "${v}" for ${key}`);
  return x;
}

function onlyParams(spec: string, params: Map<string, string>, allowed: string[]): void {
  for (const k of params.keys()) if (!allowed.includes(k)) throw badOption(`${spec}: unknown parameter "${k}" (allowed: ${allowed.join(', ') || 'none'})`);
}

const positive = (spec: string, k: number | undefined): number => {
  if (k === undefined || !Number.isInteger(k) || k <= 0) throw badOption(`${spec} needs a positive cutoff, e.g. @10`);
  return k;
};

/** Extra (non-trec_eval) measures by ir_measures name; undefined when the spec is not one. */
function extraMeasure(spec: string): ExtraMeasure | undefined {
  const ir = irMeasure(spec);
  if (!ir) return undefined;
  const { params, cutoff } = ir;
  const name = ir.name.toLowerCase();
  const k = (x: number) => Number.isInteger(x) && x > 0;
  switch (name) {
    case 'judged':
      onlyParams(spec, params, []);
      return judgedAt(positive(spec, cutoff));
    case 'err':
      onlyParams(spec, params, ['max']);
      return err(cutoff === undefined ? undefined : positive(spec, cutoff), numberParam(spec, params, 'max', 4, k));
    case 'ndcg_exp':
      onlyParams(spec, params, []);
      return ndcgExp(cutoff === undefined ? undefined : positive(spec, cutoff));
    case 'ndcg':
      if (params.get('dcg') !== 'exp-log2') return undefined;
      onlyParams(spec, params, ['dcg']);
      return ndcgExp(cutoff === undefined ? undefined : positive(spec, cutoff));
    case 'rbp':
      onlyParams(spec, params, ['p', 'rel']);
      if (cutoff !== undefined) throw badOption(`${spec}: RBP takes no cutoff (its weights decay with p)`);
      return rbp(numberParam(spec, params, 'p', 0.8, (x) => x > 0 && x < 1), params.has('rel') ? numberParam(spec, params, 'rel', 1, Number.isInteger) : undefined);
    case 'rbp_resid':
      onlyParams(spec, params, ['p']);
      return rbpResidual(numberParam(spec, params, 'p', 0.8, (x) => x > 0 && x < 1));
    case 'alpha_ndcg':
    case 'α_ndcg':
      onlyParams(spec, params, ['alpha', 'rel']);
      return alphaNdcg(positive(spec, cutoff), numberParam(spec, params, 'alpha', 0.5, (x) => x >= 0 && x <= 1), numberParam(spec, params, 'rel', 1, Number.isInteger));
    case 'mrr':
      if (cutoff === undefined || params.size) return undefined;
      return mrrCut(positive(spec, cutoff));
    default:
      return undefined;
  }
}

interface Marks {
  /** trec_eval measure name → marked by name (defaults apply unless parameters were given). */
  plain: Set<string>;
  /** The first `-m name.params` per measure. */
  args: Map<string, string>;
  /** Single values asked for by printed or friendly name: measure → cutoffs / recall points. */
  extraCutoffs: Map<string, Set<number>>;
  extras: Map<string, ExtraMeasure>;
}

function markCutoff(marks: Marks, measure: string, c: number): void {
  let set = marks.extraCutoffs.get(measure);
  if (!set) marks.extraCutoffs.set(measure, (set = new Set()));
  set.add(c);
}

const unknown = (spec: string) =>
  badOption(`unknown measure "${spec}" (trec_eval names such as map, P.5,10, ndcg_cut.10, ndcg.1=3,2=7, official, all_trec; or nDCG@10, MRR@10, Judged@10, ERR@20, RBP(p=0.8), alpha_nDCG@20)`);

function mark(marks: Marks, raw: string): void {
  const spec = raw.trim();
  // trec_eval's syntax: name[.params], nicknames.
  const dot = spec.indexOf('.');
  const name = dot < 0 ? spec : spec.slice(0, dot);
  const params = dot < 0 ? undefined : spec.slice(dot + 1);
  if (OTHER_FORMAT_NICKNAMES.includes(name) || /^(prefs_|map_avgjg|P_avgjg|Rprec_mult_avgjg)/.test(name)) {
    throw badOption(`"${name}" needs trec_eval's preference or judgment-group files (-R prefs/qrels_jg), which rerankit does not read`);
  }
  if (NICKNAMES[name] || TREC_MEASURE_BY_NAME.has(name)) {
    if (params === '') throw badOption(`improper measure parameter in "${spec}" (trec_eval: give values after the dot, e.g. P.5,10)`);
    if (params !== undefined && !marks.args.has(name)) {
      const def = TREC_MEASURE_BY_NAME.get(name);
      if (def) parseParams(def, params); // checked now, so a bad value fails before any work
      marks.args.set(name, params);
    }
    for (const n of NICKNAMES[name] ?? [name]) marks.plain.add(n);
    return;
  }
  // One value by its printed name: P_10, ndcg_cut_10, iprec_at_recall_0.50, Rprec_mult_1.00.
  const cutM = /^(P|recall|success|ndcg_cut|map_cut|relative_P|unj)_(\d+)$/.exec(spec);
  if (cutM) return markCutoff(marks, cutM[1], positive(spec, Number(cutM[2])));
  const ptM = /^(iprec_at_recall|Rprec_mult)_(\d*\.?\d+)$/.exec(spec);
  if (ptM) return markCutoff(marks, ptM[1], Number(ptM[2]));
  const mrrM = /^mrr_cut_(\d+)$/.exec(spec);
  if (mrrM) return addExtra(marks, mrrCut(positive(spec, Number(mrrM[1]))));
  // Friendly names.
  const lower = spec.toLowerCase();
  if (FRIENDLY_SINGLE[lower]) {
    marks.plain.add(FRIENDLY_SINGLE[lower]);
    return;
  }
  for (const [prefix, family] of Object.entries(FRIENDLY_CUTOFF)) {
    if (lower.startsWith(prefix) && /^\d+$/.test(lower.slice(prefix.length))) return markCutoff(marks, family, positive(spec, Number(lower.slice(prefix.length))));
  }
  const extra = extraMeasure(spec);
  if (extra) return addExtra(marks, extra);
  throw unknown(spec);
}

function addExtra(marks: Marks, m: ExtraMeasure): void {
  if (!marks.extras.has(m.name)) marks.extras.set(m.name, m);
}

function instance(def: TrecMeasure, marks: Marks): TrecInstance | undefined {
  const arg = marks.args.get(def.name);
  const extra = marks.extraCutoffs.get(def.name);
  if (!marks.plain.has(def.name) && !extra) return undefined;
  let params: ParamValues = arg !== undefined ? parseParams(def, arg) : marks.plain.has(def.name) ? def.defaults : [];
  if (extra) params = [...new Set([...(params as number[]), ...extra])].sort((a, b) => a - b);
  let names: string[];
  if (def.kind === 'cut_long') names = (params as number[]).map((c) => `${def.name}_${c}`);
  else if (def.kind === 'cut_double') names = (params as number[]).map((c) => `${def.name}_${cFixed(c, 2, 3)}`);
  else if (def.kind === 'p_double' || def.kind === 'p_pair') names = [arg !== undefined ? `${def.name}_${arg}` : def.name];
  else if (def.kind === 'empty') names = [];
  else names = [def.name];
  const friendly = names.map((n) => {
    if (def.kind === 'cut_long' && FRIENDLY_NAME[def.name]) return FRIENDLY_NAME[def.name](n.slice(def.name.length + 1));
    return n === def.name ? FRIENDLY_PLAIN[n] : undefined;
  });
  return { def, params, names, friendly };
}

/** Resolves `-m` specs (default: DEFAULT_MEASURES) into what to compute, in print order. */
export function planMeasures(specs: readonly string[] = DEFAULT_MEASURES): MeasurePlan {
  const marks: Marks = { plain: new Set(), args: new Map(), extraCutoffs: new Map(), extras: new Map() };
  for (const spec of specs) mark(marks, spec);
  const trec = TREC_MEASURES.map((def) => instance(def, marks)).filter((x): x is TrecInstance => x !== undefined);
  return { trec, extra: [...marks.extras.values()] };
}

/** The values of a plan that have one number per query (not runid, num_q, relstring, gm_map, gm_bpref). */
export function perQueryMeasures(plan: MeasurePlan): Measure[] {
  const out: Measure[] = [];
  for (const t of plan.trec) {
    if (t.def.single !== 'value') continue;
    t.names.forEach((name, i) => out.push({ name, friendly: t.friendly[i] ?? name }));
  }
  for (const e of plan.extra) out.push({ name: e.name, friendly: e.friendly ?? e.name });
  return out;
}

/** The per-query values one spec names, e.g. `ndcg_cut.5,10` → ndcg_cut_5, ndcg_cut_10. */
export function parseMeasure(spec: string): Measure[] {
  return perQueryMeasures(planMeasures([spec]));
}

/** The per-query values of a list of specs, in print order. */
export function parseMeasures(specs: readonly string[] = DEFAULT_MEASURES): Measure[] {
  return perQueryMeasures(planMeasures(specs));
}
