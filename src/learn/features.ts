import { z } from 'zod';
import { RerankError } from '../errors.js';
import type { FieldValue, InteractionEvent, ItemEvent, RankRequest, UserEvent } from './events.js';
import { parseTimestamp } from './events.js';

/** Metarank durations: `30m`, `24h`, `7d`, `60s`, `1000ms`. */
export function parseDuration(v: unknown, path: string): number {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(v.trim()) : null;
  if (typeof v === 'number' && v >= 0) return v * 1000;
  if (!m) throw new RerankError('RERANK_CONFIG', `${path}: ${JSON.stringify(v)} is not a duration (like 30m, 24h, 7d)`);
  const unit = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

const common = { name: z.string().min(1), refresh: z.union([z.string(), z.number()]).optional(), ttl: z.union([z.string(), z.number()]).optional(), scope: z.string().optional(), source: z.string().optional() };
const fieldRef = z.union([z.string(), z.array(z.string())]);
const schemas = {
  number: z.object({ ...common, type: z.literal('number'), field: z.string().optional() }).strict(),
  boolean: z.object({ ...common, type: z.literal('boolean'), field: z.string().optional() }).strict(),
  string: z.object({ ...common, type: z.literal('string'), field: z.string().optional(), values: z.array(z.string()).min(1), encode: z.enum(['index', 'onehot']).default('index') }).strict(),
  list_size: z.object({ ...common, type: z.literal('list_size'), field: z.string().optional() }).strict(),
  word_count: z.object({ ...common, type: z.literal('word_count'), field: z.string().optional() }).strict(),
  vector: z.object({ ...common, type: z.literal('vector'), field: z.string().optional(), reduce: z.union([z.string(), z.array(z.string())]).optional() }).strict(),
  relevancy: z.object({ ...common, type: z.literal('relevancy') }).strict(),
  position: z.object({ ...common, type: z.literal('position'), position: z.number() }).strict(),
  interaction_count: z.object({ ...common, type: z.literal('interaction_count'), interaction: z.string().min(1) }).strict(),
  window_count: z.object({ ...common, type: z.literal('window_count'), interaction: z.string().min(1), bucket_size: z.union([z.string(), z.number()]).default('24h'), windows: z.array(z.number().int().positive()).min(1), count: z.number().optional() }).strict(),
  rate: z.object({ ...common, type: z.literal('rate'), top: z.string().min(1), bottom: z.string().min(1), bucket: z.union([z.string(), z.number()]).default('24h'), periods: z.array(z.number().int().positive()).min(1), normalize: z.object({ weight: z.number().positive().default(10) }).strict().optional() }).strict(),
  // measure (rerankit's option): `values` = Metarank's (how many of the item's values the visitor has
  // interacted with at all), `interactions` = how many interactions the visitor had on items sharing
  // them, `share` = that over all the visitor's interactions of this type (carries a preference).
  interacted_with: z.object({ ...common, type: z.literal('interacted_with'), interaction: z.string().min(1), field: fieldRef, measure: z.enum(['values', 'interactions', 'share']).default('values') }).strict(),
  field_match: z.object({
    ...common, type: z.literal('field_match'), itemField: z.string(), rankingField: z.string(), distance: z.string().optional(),
    method: z.object({ type: z.enum(['ngram', 'term']), language: z.string().default('generic'), n: z.number().int().positive().default(3) }).strict(),
  }).strict(),
  item_age: z.object({ ...common, type: z.literal('item_age'), field: z.string().optional() }).strict(),
  local_time: z.object({ ...common, type: z.literal('local_time'), parse: z.enum(['day_of_week', 'time_of_day', 'day_of_month', 'month_of_year', 'year', 'second']), field: z.string().optional() }).strict(),
  ua: z.object({ ...common, type: z.literal('ua'), field: z.enum(['platform', 'os', 'browser', 'bot']) }).strict(),
  reranker: z.object({ ...common, type: z.literal('reranker'), model: z.string().min(1), queryField: z.string().default('ranking.query'), itemField: z.string().default('item.text') }).strict(),
} as const;

/** Metarank extractors rerankit does not compute, with the reason the error gives. */
const UNSUPPORTED: Record<string, string> = {
  referer: 'needs the snowplow referer database',
  relative_number: 'scale the field before sending it',
  diversity: 'not implemented',
  positional_diversity: 'not implemented',
};

export const FEATURE_TYPES = Object.keys(schemas);
type Schemas = typeof schemas;
export type FeatureSpec = { [K in keyof Schemas]: z.infer<Schemas[K]> }[keyof Schemas];

/** Where a field reference points: `item.price`, `ranking.query`, `user.age`, `interaction.rating`. */
export interface FieldRef { scope: 'item' | 'ranking' | 'user' | 'interaction'; name: string }

/** Reads `field: item.x`, or the older `source: item.x`, or `field: x` + `source: item` (generic.md). */
export function fieldOf(spec: { field?: string; source?: string; name: string }, path: string): FieldRef {
  const raw = spec.field !== undefined && spec.source !== undefined && !spec.field.includes('.') ? `${spec.source}.${spec.field}` : spec.field ?? spec.source;
  return parseRef(raw, path);
}

export function parseRef(raw: string | undefined, path: string): FieldRef {
  const m = raw ? /^(item|ranking|user|interaction)\.(.+)$/.exec(raw) : null;
  if (!m) throw new RerankError('RERANK_CONFIG', `${path}: field ${JSON.stringify(raw)} must be item.<name>, ranking.<name>, user.<name> or interaction.<name>`);
  return { scope: m[1] as FieldRef['scope'], name: m[2]! };
}

export function parseFeatures(raw: unknown): FeatureSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new RerankError('RERANK_CONFIG', 'features: must be a list of feature extractors');
  const seen = new Set<string>();
  return raw.map((f, i) => {
    const type = (f as { type?: unknown })?.type;
    const name = (f as { name?: unknown })?.name;
    const path = `features[${i}]${typeof name === 'string' ? ` (${name})` : ''}`;
    if (typeof type === 'string' && type in UNSUPPORTED) throw new RerankError('RERANK_CONFIG', `${path}.type: Metarank's "${type}" extractor is not supported: ${UNSUPPORTED[type]}`);
    if (typeof type !== 'string' || !(type in schemas)) throw new RerankError('RERANK_CONFIG', `${path}.type: unknown feature type ${JSON.stringify(type)} (known: ${FEATURE_TYPES.join(', ')})`);
    const r = schemas[type as keyof Schemas].safeParse(f);
    if (!r.success) {
      const is = r.error.issues[0]!;
      const where = is.path.join('.');
      const what = is.code === 'unrecognized_keys' ? `unknown option ${is.keys.map((k) => `"${k}"`).join(', ')}` : is.message;
      throw new RerankError('RERANK_CONFIG', `${path}${where ? `.${where}` : ''}: ${what}`);
    }
    const spec = r.data as FeatureSpec;
    if (seen.has(spec.name)) throw new RerankError('RERANK_CONFIG', `${path}.name: "${spec.name}" is defined twice`);
    seen.add(spec.name);
    validateRefs(spec, path);
    return spec;
  });
}

function validateRefs(s: FeatureSpec, path: string): void {
  switch (s.type) {
    case 'number': case 'boolean': case 'string': case 'list_size': case 'word_count': case 'vector': fieldOf(s, path); break;
    case 'item_age': if (fieldOf(s, path).scope !== 'item') throw new RerankError('RERANK_CONFIG', `${path}.source: item_age reads an item field`); break;
    case 'local_time': if (fieldOf({ ...s, source: s.source ?? 'ranking.timestamp' }, path).scope !== 'ranking') throw new RerankError('RERANK_CONFIG', `${path}.source: local_time reads a ranking field`); break;
    case 'ua': parseRef(s.source, `${path}.source`); break;
    case 'field_match': parseRef(s.itemField, `${path}.itemField`); parseRef(s.rankingField, `${path}.rankingField`); break;
    case 'reranker': parseRef(s.queryField, `${path}.queryField`); parseRef(s.itemField, `${path}.itemField`); break;
    case 'interacted_with': for (const f of [s.field].flat()) if (parseRef(f, `${path}.field`).scope !== 'item') throw new RerankError('RERANK_CONFIG', `${path}.field: interacted_with reads item fields`); break;
    case 'rate': rateScope(s.scope, path); break;
    case 'window_count': case 'interaction_count': counterScope(s.scope, path); parseDuration(s.type === 'window_count' ? s.bucket_size : '1d', `${path}.bucket_size`); break;
    default: break;
  }
  if (s.type === 'rate') parseDuration(s.bucket, `${path}.bucket`);
}

function counterScope(scope: string | undefined, path: string): 'item' | 'user' | 'session' {
  const s = scope ?? 'item';
  if (s !== 'item' && s !== 'user' && s !== 'session') throw new RerankError('RERANK_CONFIG', `${path}.scope: ${JSON.stringify(s)} must be item, user or session`);
  return s;
}

function rateScope(scope: string | undefined, path: string): { by: 'item' } | { by: 'item' | 'ranking'; field: string } {
  const s = scope ?? 'item';
  if (s === 'item') return { by: 'item' };
  const m = /^(item|ranking)\.(.+)$/.exec(s);
  if (!m) throw new RerankError('RERANK_CONFIG', `${path}.scope: ${JSON.stringify(s)} must be item, item.<field> or ranking.<field>`);
  return { by: m[1] as 'item' | 'ranking', field: m[2]! };
}

const VECTOR_REDUCERS = ['first', 'last', 'min', 'max', 'avg', 'sum', 'size', 'euclidean_distance'];
function reducers(s: Extract<FeatureSpec, { type: 'vector' }>): string[] {
  const r = s.reduce === undefined ? ['min', 'max', 'size', 'avg'] : [s.reduce].flat();
  for (const x of r) if (!VECTOR_REDUCERS.includes(x) && !/^vector\d+$/.test(x)) throw new RerankError('RERANK_CONFIG', `features (${s.name}).reduce: unknown reducer "${x}"`);
  return r.flatMap((x) => (/^vector\d+$/.test(x) ? Array.from({ length: Number(x.slice(6)) }, (_, i) => `vector${i}`) : [x]));
}

/** The model columns a feature produces, in order: one, or a group (`clicks_7`, `color_red`...). */
export function columnsOf(s: FeatureSpec): string[] {
  switch (s.type) {
    case 'string': return s.encode === 'onehot' ? s.values.map((v) => `${s.name}_${v}`) : [s.name];
    case 'window_count': return s.windows.map((w) => `${s.name}_${w}`);
    case 'rate': return s.periods.map((p) => `${s.name}_${p}`);
    case 'vector': return reducers(s).map((r) => `${s.name}_${r}`);
    case 'ua': return UA_VALUES[s.field].map((v) => `${s.name}_${v}`);
    default: return [s.name];
  }
}

const UA_VALUES = { platform: ['mobile', 'desktop', 'tablet'], os: ['ios', 'android', 'windows', 'linux', 'macos', 'chromeos'], browser: ['safari', 'chrome', 'firefox', 'opera', 'ie', 'other'], bot: ['bot'] } as const;

function parseUa(ua: string, field: keyof typeof UA_VALUES): string[] {
  const u = ua.toLowerCase();
  switch (field) {
    case 'platform': return [/ipad|tablet/.test(u) ? 'tablet' : /mobile|iphone|android/.test(u) ? 'mobile' : 'desktop'];
    case 'os': return [/iphone|ipad|ios/.test(u) ? 'ios' : /android/.test(u) ? 'android' : /windows/.test(u) ? 'windows' : /cros/.test(u) ? 'chromeos' : /mac os/.test(u) ? 'macos' : /linux/.test(u) ? 'linux' : ''];
    case 'browser': return [/opr\/|opera/.test(u) ? 'opera' : /edg\/|firefox|fxios/.test(u) && /firefox|fxios/.test(u) ? 'firefox' : /msie|trident/.test(u) ? 'ie' : /chrome|crios/.test(u) && !/edg\//.test(u) ? 'chrome' : /safari/.test(u) && !/edg\//.test(u) ? 'safari' : 'other'];
    case 'bot': return /bot|crawler|spider|slurp/.test(u) ? ['bot'] : [];
  }
}

// ---------------------------------------------------------------- state

/** Counts per bucket of time, for window_count and rate. */
type Buckets = Map<number, number>;
const bump = <K>(m: Map<K, number>, k: K, by = 1): void => { m.set(k, (m.get(k) ?? 0) + by); };
function bucketSum(b: Buckets | undefined, now: number, size: number, periods: number): number {
  if (!b) return 0;
  const cur = Math.floor(now / size);
  let s = 0;
  for (const [k, v] of b) if (k <= cur && k > cur - periods) s += v;
  return s;
}

/**
 * What the extractors remember between events: the latest item and user fields, interaction
 * counters, per-bucket counts of interactions and impressions, and the field values each visitor
 * interacted with. Updated only by events in arrival order, so replaying the stored events rebuilds it.
 */
export class FeatureState {
  readonly items = new Map<string, { ts: number; fields: Map<string, FieldValue> }>();
  readonly users = new Map<string, Map<string, FieldValue>>();
  /** `${type}\u0000${scope}\u0000${key}` → count. */
  readonly counts = new Map<string, number>();
  /** `${type}\u0000${scopeKey}` → buckets; `impression` is the synthetic type. */
  readonly buckets = new Map<string, Map<number, number>>();
  /** Global per-bucket totals per type, for rate normalization. */
  readonly global = new Map<string, Map<number, number>>();
  /** `${scope}\u0000${type}\u0000${id}` → field name → value → interactions on items with it. */
  readonly touched = new Map<string, Map<string, Map<string, number>>>();
  /** `${scope}\u0000${type}\u0000${id}` → all interactions of that type by the visitor. */
  readonly touchedTotal = new Map<string, number>();
  /** Latest interaction fields per (user, item). */
  readonly lastInteraction = new Map<string, Map<string, FieldValue>>();

  constructor(private readonly specs: FeatureSpec[]) {}

  item(e: ItemEvent): void {
    const prev = this.items.get(e.item)?.fields ?? new Map<string, FieldValue>();
    for (const f of e.fields) prev.set(f.name, f.value);
    this.items.set(e.item, { ts: e.timestamp, fields: prev });
  }

  user(e: UserEvent): void {
    const prev = this.users.get(e.user) ?? new Map<string, FieldValue>();
    for (const f of e.fields) prev.set(f.name, f.value);
    this.users.set(e.user, prev);
  }

  /** An interaction (or a synthetic impression) on `item` in a ranking with these fields. */
  interaction(e: { type: string; item: string; user?: string; session?: string; timestamp: number; fields?: { name: string; value: FieldValue }[] }, rankingFields?: Map<string, FieldValue>): void {
    for (const [scope, key] of [['item', e.item], ['user', e.user], ['session', e.session]] as const) {
      if (key !== undefined) bump(this.counts, `${e.type}\u0000${scope}\u0000${key}`);
    }
    for (const s of this.specs) {
      if (s.type === 'window_count' && s.interaction === e.type) {
        const key = this.counterKey(counterScope(s.scope, s.name), e);
        if (key !== undefined) this.bucket(`${s.name}\u0000${key}`, e.timestamp, parseDuration(s.bucket_size, s.name));
      }
      if (s.type === 'rate' && (s.top === e.type || s.bottom === e.type)) {
        const size = parseDuration(s.bucket, s.name);
        const b = Math.floor(e.timestamp / size);
        for (const key of this.rateKeys(s, e.item, rankingFields)) this.bucket(`${s.name}\u0000${e.type}\u0000${key}`, e.timestamp, size);
        const g = this.global.get(`${s.name}\u0000${e.type}`) ?? new Map<number, number>();
        bump(g, b);
        this.global.set(`${s.name}\u0000${e.type}`, g);
      }
    }
    if (e.type === 'impression') return;
    const item = this.items.get(e.item)?.fields;
    for (const [scope, id] of [['user', e.user], ['session', e.session]] as const) {
      if (id === undefined) continue;
      const k = `${scope}\u0000${e.type}\u0000${id}`;
      const m = this.touched.get(k) ?? new Map<string, Map<string, number>>();
      for (const [name, v] of item ?? []) {
        const counts = m.get(name) ?? new Map<string, number>();
        for (const x of new Set([v].flat().map(String))) bump(counts, x);
        m.set(name, counts);
      }
      this.touched.set(k, m);
      bump(this.touchedTotal, k);
    }
    if (e.user !== undefined && e.fields) this.lastInteraction.set(`${e.user}\u0000${e.item}`, new Map(e.fields.map((f) => [f.name, f.value])));
  }

  private bucket(key: string, ts: number, size: number): void {
    const m = this.buckets.get(key) ?? new Map<number, number>();
    bump(m, Math.floor(ts / size));
    this.buckets.set(key, m);
  }

  private counterKey(scope: 'item' | 'user' | 'session', e: { item: string; user?: string; session?: string }): string | undefined {
    return scope === 'item' ? `i:${e.item}` : scope === 'user' ? (e.user === undefined ? undefined : `u:${e.user}`) : e.session === undefined ? undefined : `s:${e.session}`;
  }

  rateKeys(s: Extract<FeatureSpec, { type: 'rate' }>, item: string, rankingFields?: Map<string, FieldValue>): string[] {
    const sc = rateScope(s.scope, s.name);
    if (!('field' in sc)) return [item];
    const v = sc.by === 'item' ? this.items.get(item)?.fields.get(sc.field) : rankingFields?.get(sc.field);
    if (v === undefined) return [];
    // ranking.<field>: the item's rate among rankings with that field value (e.g. per query).
    return [v].flat().map((x) => (sc.by === 'ranking' ? `${String(x)}\u0000${item}` : String(x)));
  }
}

// ---------------------------------------------------------------- extraction

/** One ranking to compute features for: a stored ranking event or a /rank request. */
export interface RankingContext {
  request: RankRequest;
  /** Milliseconds; a request without a timestamp uses the time it arrived. */
  timestamp: number;
  /** 0-based displayed positions (training), or undefined at rank time (position feature → constant). */
  positions?: boolean;
}

export type RerankerScorer = (model: string, query: string, texts: string[]) => Promise<number[]>;

const tokenize = (s: string): string[] => s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t !== '');
function ngrams(s: string, n: number): Set<string> {
  const out = new Set<string>();
  for (const t of tokenize(s)) { if (t.length <= n) out.add(t); else for (let i = 0; i + n <= t.length; i++) out.add(t.slice(i, i + n)); }
  return out;
}
function iou(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

const asNumber = (v: FieldValue | undefined): number => (typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : NaN);

/**
 * Computes every column of every feature for each item of a ranking, against the state as it is now.
 * The one function both paths call: at /rank time, and when a ranking event arrives (the values kept
 * in its click-through and trained on), so training sees exactly what ranking sees. NaN = missing.
 */
export async function extract(specs: FeatureSpec[], state: FeatureState, ctx: RankingContext, scorer?: RerankerScorer): Promise<number[][]> {
  const req = ctx.request;
  const rf = new Map(req.fields.map((f) => [f.name, f.value]));
  const rows: number[][] = req.items.map(() => []);
  const itemFields = req.items.map((it) => {
    const m = new Map(it.fields.map((f) => [f.name, f.value]));
    if (it.relevancy !== undefined && !m.has('relevancy')) m.set('relevancy', it.relevancy);
    return m;
  });
  const lookup = (ref: FieldRef, i: number): FieldValue | undefined => {
    const it = req.items[i]!;
    switch (ref.scope) {
      case 'item': return ref.name === 'timestamp' ? state.items.get(it.id)?.ts : itemFields[i]!.get(ref.name) ?? state.items.get(it.id)?.fields.get(ref.name);
      case 'ranking': return ref.name === 'timestamp' ? ctx.timestamp : rf.get(ref.name) ?? itemFields[i]!.get(ref.name);
      case 'user': return req.user === undefined ? undefined : state.users.get(req.user)?.get(ref.name);
      case 'interaction': return req.user === undefined ? undefined : state.lastInteraction.get(`${req.user}\u0000${it.id}`)?.get(ref.name);
    }
  };
  for (const s of specs) {
    const cols = await extractOne(s, state, ctx, rf, lookup, scorer);
    for (let i = 0; i < rows.length; i++) rows[i]!.push(...cols[i]!);
  }
  return rows;
}

type Lookup = (ref: FieldRef, i: number) => FieldValue | undefined;

async function extractOne(s: FeatureSpec, state: FeatureState, ctx: RankingContext, rf: Map<string, FieldValue>, lookup: Lookup, scorer?: RerankerScorer): Promise<number[][]> {
  const req = ctx.request;
  const per = (f: (i: number, id: string) => number[]): number[][] => req.items.map((it, i) => f(i, it.id));
  switch (s.type) {
    case 'number': { const r = fieldOf(s, s.name); return per((i) => [asNumber(lookup(r, i))]); }
    case 'boolean': { const r = fieldOf(s, s.name); return per((i) => { const v = lookup(r, i); return [typeof v === 'boolean' ? (v ? 1 : 0) : NaN]; }); }
    case 'relevancy': return per((i) => [asNumber(lookup({ scope: 'item', name: 'relevancy' }, i))]);
    case 'string': {
      const r = fieldOf(s, s.name);
      return per((i) => {
        const vs = [lookup(r, i) ?? []].flat().map(String);
        if (s.encode === 'onehot') return s.values.map((v) => (vs.includes(v) ? 1 : 0));
        return [vs.length === 0 ? 0 : s.values.indexOf(vs[0]!) + 1];
      });
    }
    case 'list_size': { const r = fieldOf(s, s.name); return per((i) => { const v = lookup(r, i); return [v === undefined ? NaN : Array.isArray(v) ? v.length : 1]; }); }
    case 'word_count': { const r = fieldOf(s, s.name); return per((i) => { const v = lookup(r, i); return [typeof v === 'string' ? tokenize(v).length : NaN]; }); }
    case 'vector': {
      const r = fieldOf(s, s.name);
      const red = reducers(s);
      return per((i) => {
        const raw = lookup(r, i);
        const xs = [raw ?? []].flat().map((x) => asNumber(x as FieldValue)).filter((x) => !Number.isNaN(x));
        const sum = xs.reduce((a, b) => a + b, 0);
        return red.map((k) => {
          if (k.startsWith('vector')) return xs[Number(k.slice(6))] ?? 0;
          if (xs.length === 0) return k === 'size' ? 0 : NaN;
          return { first: xs[0]!, last: xs.at(-1)!, min: Math.min(...xs), max: Math.max(...xs), avg: sum / xs.length, sum, size: xs.length, euclidean_distance: Math.sqrt(xs.reduce((a, b) => a + b * b, 0)) }[k]!;
        });
      });
    }
    case 'position': return per((i) => [ctx.positions ? i : s.position]);
    case 'interaction_count': {
      const scope = counterScope(s.scope, s.name);
      return per((_, id) => {
        const key = scope === 'item' ? id : scope === 'user' ? req.user : req.session;
        return [key === undefined ? 0 : state.counts.get(`${s.interaction}\u0000${scope}\u0000${key}`) ?? 0];
      });
    }
    case 'window_count': {
      const scope = counterScope(s.scope, s.name);
      const size = parseDuration(s.bucket_size, s.name);
      return per((_, id) => {
        const key = scope === 'item' ? `i:${id}` : scope === 'user' ? (req.user === undefined ? undefined : `u:${req.user}`) : req.session === undefined ? undefined : `s:${req.session}`;
        const b = key === undefined ? undefined : state.buckets.get(`${s.name}\u0000${key}`);
        return s.windows.map((w) => bucketSum(b, ctx.timestamp, size, w));
      });
    }
    case 'rate': {
      const size = parseDuration(s.bucket, s.name);
      return per((_, id) => {
        const keys = state.rateKeys(s, id, rf);
        return s.periods.map((p) => {
          let top = 0;
          let bottom = 0;
          for (const k of keys) {
            top += bucketSum(state.buckets.get(`${s.name}\u0000${s.top}\u0000${k}`), ctx.timestamp, size, p);
            bottom += bucketSum(state.buckets.get(`${s.name}\u0000${s.bottom}\u0000${k}`), ctx.timestamp, size, p);
          }
          if (!s.normalize) return bottom === 0 ? NaN : top / bottom;
          // Metarank's prior: (w + clicks) / (w + impressions + w·(G_imp − G_clicks)/G_clicks).
          const w = s.normalize.weight;
          const gt = bucketSum(state.global.get(`${s.name}\u0000${s.top}`), ctx.timestamp, size, p);
          const gb = bucketSum(state.global.get(`${s.name}\u0000${s.bottom}`), ctx.timestamp, size, p);
          if (gt === 0) return bottom === 0 ? NaN : top / bottom;
          return (w + top) / (w + bottom + (w * (gb - gt)) / gt);
        });
      });
    }
    case 'interacted_with': {
      const scope = counterScope(s.scope ?? 'user', s.name);
      const id = scope === 'session' ? req.session : req.user;
      const key = `${scope}\u0000${s.interaction}\u0000${id}`;
      const m = id === undefined ? undefined : state.touched.get(key);
      const total = state.touchedTotal.get(key) ?? 0;
      const refs = [s.field].flat().map((f) => parseRef(f, s.name));
      return per((i) => {
        if (!m) return [0];
        let n = 0;
        for (const r of refs) {
          const seen = m.get(r.name);
          for (const v of new Set([lookup(r, i) ?? []].flat().map(String))) {
            const c = seen?.get(v) ?? 0;
            n += s.measure === 'values' ? (c > 0 ? 1 : 0) : c;
          }
        }
        return [s.measure === 'share' ? (total === 0 ? 0 : n / total) : n];
      });
    }
    case 'field_match': {
      const q = lookup(parseRef(s.rankingField, s.name), 0);
      const qs = typeof q === 'string' ? (s.method.type === 'ngram' ? ngrams(q, s.method.n) : new Set(tokenize(q))) : undefined;
      const ir = parseRef(s.itemField, s.name);
      return per((i) => {
        const v = lookup(ir, i);
        if (qs === undefined || typeof v !== 'string') return [NaN];
        return [iou(qs, s.method.type === 'ngram' ? ngrams(v, s.method.n) : new Set(tokenize(v)))];
      });
    }
    case 'item_age': {
      const r = fieldOf(s, s.name);
      return per((i) => {
        const v = lookup(r, i);
        // ISO strings and millis timestamps; a plain number field is unixtime in seconds (Metarank's doc).
        const t = r.name === 'timestamp' ? (v as number | undefined) : typeof v === 'number' ? v * 1000 : typeof v === 'string' ? (/^\d+$/.test(v) ? Number(v) * 1000 : parseTimestamp(v)) : undefined;
        return [t === undefined ? NaN : (ctx.timestamp - t) / 1000];
      });
    }
    case 'local_time': {
      const r = fieldOf({ ...s, source: s.source ?? 'ranking.timestamp' }, s.name);
      const v = lookup(r, 0);
      const x = localTime(v, s.parse);
      return per(() => [x]);
    }
    case 'ua': {
      const v = lookup(parseRef(s.source, s.name), 0);
      const got = typeof v === 'string' ? parseUa(v, s.field) : [];
      return per(() => UA_VALUES[s.field].map((x) => (got.includes(x) ? 1 : 0)));
    }
    case 'reranker': {
      const q = lookup(parseRef(s.queryField, s.name), 0);
      const ir = parseRef(s.itemField, s.name);
      const texts = req.items.map((_, i) => lookup(ir, i));
      if (typeof q !== 'string' || !scorer) return per(() => [NaN]);
      const idx = texts.flatMap((t, i) => (typeof t === 'string' ? [i] : []));
      const scores = idx.length === 0 ? [] : await scorer(s.model, q, idx.map((i) => texts[i] as string));
      const out = req.items.map(() => [NaN]);
      idx.forEach((i, k) => { out[i] = [scores[k]!]; });
      return out;
    }
  }
}

/** A local date-time's parts from an ISO string with its own offset (or a millis timestamp, in UTC). */
function localTime(v: FieldValue | undefined, part: string): number {
  let ms: number | undefined;
  let offsetMin = 0;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string') {
    ms = parseTimestamp(v);
    const m = /([+-])(\d{2}):?(\d{2})$/.exec(v);
    if (m) offsetMin = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  }
  if (ms === undefined) return NaN;
  const d = new Date(ms + offsetMin * 60_000);
  switch (part) {
    case 'day_of_week': return ((d.getUTCDay() + 6) % 7) + 1;
    case 'time_of_day': return d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600;
    case 'day_of_month': return d.getUTCDate();
    case 'month_of_year': return d.getUTCMonth() + 1;
    case 'year': return d.getUTCFullYear();
    default: return Math.floor(ms / 1000);
  }
}

export type { InteractionEvent };
