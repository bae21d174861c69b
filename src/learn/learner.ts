import { RerankError } from '../errors.js';
import { seededRandom } from '../util/random.js';
import { examinedAfter, labelsOf, type Clickthrough } from './clickthrough.js';
import { parseLearnConfig as parseConfig, type LambdaMartConfig, type LearnConfig, type ModelConfig } from './config.js';
import { fitPropensities } from './debias.js';
import { parseEvents, parseRankRequest, type FieldValue, type LearnEvent, type RankingEvent, type RankRequest } from './events.js';
import { columnsOf as columnsFor, extract, FeatureState, type RerankerScorer } from './features.js';
import { ndcgAt, predict, trainLambdaMart, type LambdaMartModel, type RankGroup } from './lambdamart.js';
import type { LearnStore, StoreOp } from './store.js';

export type { LearnConfig } from './config.js';
export type { LearnStore } from './store.js';
export type { RerankerScorer } from './features.js';

export const LEARNED_MODEL_TYPES = ['lambdamart', 'shuffle', 'noop'] as const;

/** Parses Metarank's YAML sections; a wrong key is RERANK_CONFIG naming its path. */
export function parseLearnConfig(sections: { features?: unknown; models?: Record<string, unknown>; core?: unknown; state?: unknown }): LearnConfig {
  return parseConfig(sections);
}

/** Metarank's training report. */
export interface TrainReport {
  features: { name: string; weight: Record<string, number | number[]> }[];
  iterations: { id: number; millis: number; trainMetric: number; testMetric: number }[];
  sizeBytes: number;
  /** The model's `eval` metrics on the test split. */
  metrics?: Record<string, number>;
  /** Position propensities used for debiased training (relative to the top position). */
  propensities?: number[];
}

export interface RankedItem { item: string; score: number; features?: Record<string, number | null> }

interface StoredModel { model: LambdaMartModel; report: TrainReport; trainedAt: number; etag?: string }

const NS_CT = 'clickthrough';
const NS_PENDING = 'pending';
const NS_MODEL = 'model';
/** model name → etag of its stored model: a small key replicas poll, so they never re-read whole models to compare. */
const NS_MODEL_VERSION = 'model-version';
/** Namespaces the learner owns; another user of the store (experiments) takes a namespace of its own. */
export const LEARNER_NAMESPACES = [NS_CT, NS_PENDING, NS_MODEL, NS_MODEL_VERSION] as const;

/** How often rank() asks a shared store whether another replica trained a newer model (ms). */
export const MODEL_REFRESH_MS = 1000;

const toNum = (v: number | null | undefined): number => (v === null || v === undefined ? NaN : v);
const toJson = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * Metarank's learning loop behind one facade: events in (validated as a batch, deduplicated by id,
 * joined into click-throughs), features computed, LambdaMART trained, rankings out. Feature state is
 * rebuilt on open by replaying the stored events; click-throughs (with the feature values they were
 * ranked with) and models are read back from the store.
 */
export class Learner {
  private readonly state: FeatureState;
  private readonly cts = new Map<string, Clickthrough>();
  /** Interactions whose ranking has not arrived yet, by ranking id. */
  private readonly pending = new Map<string, { id: string; type: string; item: string; ts: number }[]>();
  private readonly trained = new Map<string, StoredModel>();
  /** When each model's version was last checked in the store (Date.now()). */
  private readonly checked = new Map<string, number>();
  /** Events of the store's log applied so far, and this replica's own writes not yet passed in it. */
  private logPos = 0;
  private readonly own = new Set<string>();
  private synced = 0;
  private pendingWrites = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly config: LearnConfig, readonly store: LearnStore, private readonly scorer?: RerankerScorer, private readonly refreshMs = MODEL_REFRESH_MS) {
    this.state = new FeatureState(config.features);
  }

  /**
   * `modelRefreshMs`: how stale a model may be when another replica sharing the store (state: redis)
   * trained a newer one: rank() checks the model's version key at most this often (0: every call).
   */
  static async open(config: LearnConfig, opts: { dir?: string; store?: LearnStore; scorer?: RerankerScorer; modelRefreshMs?: number } = {}): Promise<Learner> {
    let store = opts.store;
    if (!store) {
      if (config.state.type === 'redis') store = await (await import('./redis-store.js')).RedisLearnStore.open(config.state);
      else if (config.state.type === 'memory' && opts.dir === undefined) store = new (await import('./file-store.js')).MemoryLearnStore();
      else store = await (await import('./file-store.js')).FileLearnStore.open(opts.dir ?? (config.state.type === 'file' ? config.state.path : undefined) ?? 'rerankit-state');
    }
    const l = new Learner(config, store, opts.scorer, opts.modelRefreshMs);
    await l.load();
    return l;
  }

  private async load(): Promise<void> {
    const stored = new Map((await this.store.entries(NS_CT)) as [string, Clickthrough][]);
    const events: LearnEvent[] = [];
    for await (const e of this.store.events()) events.push(e as LearnEvent);
    for (const e of events) await this.apply(e, [], false, stored);
    this.logPos = events.length;
    this.synced = Date.now();
    for (const [name, m] of (await this.store.entries(NS_MODEL)) as [string, StoredModel][]) this.trained.set(name, m);
    const now = Date.now();
    for (const name of this.models()) this.checked.set(name, now);
  }

  /**
   * Applies the events other replicas wrote to a shared store since this one last looked (their
   * click-throughs with the feature values they were ranked with), so features, joins and training
   * see every replica's feedback. The log is append-only, so a position in it is enough; this
   * replica's own events, already applied, are skipped once by id. Runs inside serial().
   */
  private async sync(): Promise<void> {
    this.synced = Date.now();
    const fresh: LearnEvent[] = [];
    for await (const e of this.store.events(this.logPos)) {
      this.logPos++;
      const ev = e as LearnEvent;
      if (this.own.delete(ev.id)) continue;
      fresh.push(ev);
    }
    if (fresh.length === 0) return;
    const stored = new Map<string, Clickthrough>();
    for (const e of fresh) {
      if (e.event !== 'ranking') continue;
      const ct = (await this.store.get(NS_CT, e.id)) as Clickthrough | undefined;
      if (ct) stored.set(e.id, ct);
    }
    for (const e of fresh) await this.apply(e, [], false, stored);
  }

  /**
   * sync() at rank time when the last one is older than `refreshMs`; skipped while feedback or a
   * training runs (rank never waits for a training; the next call catches up).
   */
  private syncDue(): Promise<void> {
    if (Date.now() - this.synced < this.refreshMs || this.pendingWrites > 0) return Promise.resolve();
    return this.serial(() => this.sync());
  }

  /**
   * Picks up a model another replica trained into the shared store since this one last looked: one
   * small read (the model's etag) at most every `refreshMs`, the whole model only when it changed.
   */
  private async refresh(model: string): Promise<void> {
    const now = Date.now();
    if (now - (this.checked.get(model) ?? 0) < this.refreshMs) return;
    this.checked.set(model, now);
    const etag = await this.store.get(NS_MODEL_VERSION, model);
    if (etag === undefined || etag === this.trained.get(model)?.etag) return;
    const rec = (await this.store.get(NS_MODEL, model)) as StoredModel | undefined;
    if (rec && rec.etag === etag) this.trained.set(model, rec);
  }

  models(): string[] {
    return Object.keys(this.config.models);
  }

  private model(name: string): ModelConfig {
    const m = this.config.models[name];
    if (!m) throw new RerankError('RERANK_MODEL_NOT_FOUND', `model "${name}" is not configured (models: ${this.models().join(', ') || 'none'})`);
    return m;
  }

  /** Serializes writers: feedback and train never interleave their state changes. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    this.pendingWrites++;
    const run = this.queue.then(f, f).finally(() => { this.pendingWrites--; });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Validates every event, then applies the new ones (an id seen before, in the store or earlier in
   * the batch, is skipped) and writes them with the click-throughs they change in one atomic write.
   */
  async feedback(raw: unknown[]): Promise<{ accepted: number; updated: number }> {
    const events = parseEvents(raw);
    return this.serial(async () => {
      const known = await this.store.hasEvents(events.map((e) => e.id));
      const seen = new Set<string>();
      const fresh = events.filter((e, i) => !known[i] && !seen.has(e.id) && (seen.add(e.id), true));
      const ops: StoreOp[] = [];
      const touched = new Set<string>();
      for (const e of fresh) {
        this.own.add(e.id);
        ops.push({ op: 'event', id: e.id, event: e });
        await this.apply(e, ops, true, undefined, touched);
      }
      for (const id of touched) {
        const ct = this.cts.get(id);
        if (ct) ops.push({ op: 'set', ns: NS_CT, key: id, value: ct });
      }
      await this.store.write(ops);
      return { accepted: events.length, updated: fresh.length === 0 ? 0 : touched.size + fresh.filter((e) => e.event === 'item' || e.event === 'user').length };
    });
  }

  /** Applies one event to the in-memory state; `compute` false on replay, where stored values are reused. */
  private async apply(e: LearnEvent, ops: StoreOp[], compute: boolean, stored?: Map<string, Clickthrough>, touched = new Set<string>()): Promise<void> {
    const ct = this.config.clickthrough;
    switch (e.event) {
      case 'item': this.state.item(e); return;
      case 'user': this.state.user(e); return;
      case 'ranking': {
        if (this.cts.has(e.id)) return;
        const rec = await this.newClickthrough(e, compute, stored?.get(e.id));
        this.cts.set(e.id, rec);
        touched.add(e.id);
        if (ct.impressions === 'all') rec.items.forEach((_, p) => this.impression(rec, p));
        if (ct.impressions === 'all') rec.examined = rec.items.length;
        const waiting = this.pending.get(e.id);
        if (waiting) {
          this.pending.delete(e.id);
          if (compute) ops.push({ op: 'delete', ns: NS_PENDING, key: e.id });
          for (const w of waiting) if (Math.abs(w.ts - rec.ts) <= ct.maxSessionLengthMs) this.join(rec, w);
        }
        return;
      }
      case 'interaction': {
        const rec = e.ranking === undefined ? undefined : this.cts.get(e.ranking);
        this.state.interaction(e, rec ? new Map(rec.fields) : undefined);
        if (e.ranking === undefined) return;
        const it = { id: e.id, type: e.type, item: e.item, ts: e.timestamp };
        if (rec) {
          if (e.timestamp - rec.ts <= ct.maxSessionLengthMs) { this.join(rec, it); touched.add(rec.id); }
          return;
        }
        // Kept until its ranking arrives (Metarank's click-through join), within maxParallelSessions.
        const list = this.pending.get(e.ranking) ?? [];
        if (list.length === 0 && this.pending.size >= ct.maxParallelSessions) {
          const oldest = this.pending.keys().next().value as string;
          this.pending.delete(oldest);
          if (compute) ops.push({ op: 'delete', ns: NS_PENDING, key: oldest });
        }
        list.push(it);
        this.pending.set(e.ranking, list);
        if (compute) ops.push({ op: 'set', ns: NS_PENDING, key: e.ranking, value: list });
        return;
      }
    }
  }

  private join(rec: Clickthrough, it: { id: string; type: string; item: string; ts: number }): void {
    if (rec.interactions.some((x) => x.id === it.id)) return;
    rec.interactions.push(it);
    const pos = rec.items.indexOf(it.item);
    if (pos < 0) return;
    for (const p of examinedAfter(this.config.clickthrough.impressions, rec, pos)) this.impression(rec, p);
    if (this.config.clickthrough.impressions === 'above_last_click') rec.examined = Math.max(rec.examined, pos + 1);
  }

  /** Metarank's synthetic `impression` interaction on an examined item (the `bottom` of CTR rates). */
  private impression(rec: Clickthrough, p: number): void {
    this.state.interaction({ type: 'impression', item: rec.items[p]!, ts: 0, timestamp: rec.ts, ...(rec.user !== undefined ? { user: rec.user } : {}), ...(rec.session !== undefined ? { session: rec.session } : {}) } as never, new Map(rec.fields));
  }

  private async newClickthrough(e: RankingEvent, compute: boolean, stored?: Clickthrough): Promise<Clickthrough> {
    const columns = this.columns();
    let values: (number | null)[][];
    if (!compute && stored) values = stored.values;
    else if (!compute) values = e.items.map(() => columns.map(() => null));
    else values = (await extract(this.config.features, this.state, { request: e, timestamp: e.timestamp, positions: true }, this.scorer)).map((r) => r.map(toJson));
    const labels = e.items.some((i) => i.label !== undefined) ? e.items.map((i) => i.label ?? null) : undefined;
    return {
      id: e.id, ts: e.timestamp, ...(e.user !== undefined ? { user: e.user } : {}), ...(e.session !== undefined ? { session: e.session } : {}),
      fields: e.fields.map((f) => [f.name, f.value] as [string, FieldValue]), items: e.items.map((i) => i.id), ...(labels ? { labels } : {}),
      columns, values, interactions: [], examined: 0,
    };
  }

  private columns(): string[] {
    return this.config.features.flatMap((f) => columnsFor(f));
  }

  /** The click-throughs stored so far (the training data), oldest first. */
  clickthroughs(): Clickthrough[] {
    return [...this.cts.values()].sort((a, b) => a.ts - b.ts);
  }

  async isTrained(model: string): Promise<boolean> {
    const m = this.model(model);
    if (m.type === 'lambdamart') await this.refresh(model);
    return m.type !== 'lambdamart' || this.trained.has(model);
  }

  /** Trains a model on the stored click-throughs and keeps it in the store. */
  train(model: string, opts: { onIteration?: (done: number, total: number) => void } = {}): Promise<TrainReport> {
    const m = this.model(model);
    return this.serial(async () => {
      if (m.type !== 'lambdamart') return { features: [], iterations: [], sizeBytes: 0 };
      await this.sync();
      const { train, test, propensities } = this.dataset(m);
      if (train.length === 0) throw new RerankError('RERANK_BAD_INPUT', `model "${model}": no click-throughs with ${Object.keys(m.weights).join('/')} interactions to train on yet`);
      const seed = typeof m.backend.seed === 'number' ? m.backend.seed : m.backend.seed === undefined ? 0 : hash(m.backend.seed);
      const b = m.backend;
      const res = trainLambdaMart(train, test, m.columns, { iterations: b.iterations, learningRate: b.learningRate, maxDepth: b.maxDepth, ndcgCutoff: b.ndcgCutoff, sampling: b.sampling, lambda: b.lambda, minChildWeight: b.minChildWeight, maxBin: b.maxBin, seed }, (p) => opts.onIteration?.(p.iteration, b.iterations));
      const sizeBytes = Buffer.byteLength(JSON.stringify(res.model));
      const report: TrainReport = {
        features: this.weights(m, res.gain, res.splits),
        iterations: res.iterations.map((p) => ({ id: p.iteration, millis: p.millis, trainMetric: p.trainMetric, testMetric: p.testMetric })),
        sizeBytes,
        metrics: Object.fromEntries(m.eval.map((e) => [e, evalMetric(e, test.map((q) => q.x.map((x) => predict(res.model, x))), test)])),
        ...(propensities ? { propensities } : {}),
      };
      const trainedAt = Date.now();
      const rec: StoredModel = { model: res.model, report, trainedAt, etag: `${trainedAt}-${Math.random().toString(36).slice(2, 10)}` };
      // Model and its etag in one atomic write: a replica that sees the etag finds the model.
      await this.store.write([{ op: 'set', ns: NS_MODEL, key: model, value: rec }, { op: 'set', ns: NS_MODEL_VERSION, key: model, value: rec.etag }]);
      this.trained.set(model, rec);
      return report;
    });
  }

  /** Feature weights grouped as the model's features list names them: split gain and count per column. */
  private weights(m: LambdaMartConfig, gain: number[], splits: number[]): TrainReport['features'] {
    let c = 0;
    return m.features.map((name) => {
      const spec = this.config.features.find((f) => f.name === name)!;
      const n = columnsFor(spec).length;
      const g = gain.slice(c, c + n); const s = splits.slice(c, c + n);
      c += n;
      return { name, weight: n === 1 ? { gain: g[0]!, splits: s[0]! } : { gain: g, splits: s } };
    });
  }

  /** Training groups from the click-throughs: the model's columns, graded labels, IPW weights if asked. */
  dataset(m: LambdaMartConfig): { train: RankGroup[]; test: RankGroup[]; propensities?: number[] } {
    const cols = this.columns();
    const idx = m.columns.map((c) => cols.indexOf(c));
    const usable = this.clickthroughs().filter((ct) => labelsOf(ct, m.weights).some((y) => y > 0));
    const d = m.backend.debias;
    let prop: number[] | undefined;
    const clip = typeof d === 'object' && d.clip !== undefined ? d.clip : Infinity;
    if (d !== false) {
      const o = d === true ? { maxPosition: 50, iterations: 50 } : d;
      prop = o.propensities ?? fitPropensities(usable.flatMap((ct) => {
        const y = labelsOf(ct, m.weights);
        const q = ct.fields.find(([n]) => n === 'query')?.[1];
        return ct.items.map((item, p) => ({ key: `${q === undefined ? '' : String(q)}\u0000${item}`, position: p, clicked: y[p]! > 0 }));
      }), o.maxPosition, o.iterations);
    }
    const groups = usable.map((ct) => {
      const y = labelsOf(ct, m.weights);
      const colIdx = idx.map((i) => ct.columns.indexOf(cols[i]!));
      return {
        ct,
        g: {
          x: ct.values.map((row) => colIdx.map((j) => (j < 0 ? NaN : toNum(row[j])))),
          y,
          ...(prop ? { w: y.map((_, p) => Math.min(clip, 1 / prop![Math.min(p, prop!.length - 1)]!)) } : {}),
        } as RankGroup,
      };
    });
    const { train, test } = split(groups, m.split, typeof m.backend.seed === 'number' ? m.backend.seed : 0);
    return { train: train.map((x) => x.g), test: test.map((x) => x.g), ...(prop ? { propensities: prop } : {}) };
  }

  /**
   * The model's `eval` metrics on its test split, beside the order the rankings were displayed in
   * (what the application served), on the same click-throughs.
   */
  async evaluate(model: string): Promise<{ model: string; testRankings: number; metrics: Record<string, number>; displayed: Record<string, number> }> {
    const m = this.model(model);
    if (m.type !== 'lambdamart') throw new RerankError('RERANK_BAD_INPUT', `model "${model}" is a ${m.type} baseline: there is nothing to evaluate`);
    await this.refresh(model);
    const trained = this.trained.get(model);
    if (!trained) throw new RerankError('RERANK_BAD_INPUT', `model "${model}" is not trained yet (run train first)`);
    const { test } = this.dataset(m);
    const idx = trained.model.features.map((c) => m.columns.indexOf(c));
    const ours = test.map((q) => q.x.map((x) => predict(trained.model, idx.map((i) => (i < 0 ? NaN : x[i]!)))));
    const shown = test.map((q) => q.y.map((_, i) => -i));
    const metrics = (scores: number[][]) => Object.fromEntries(m.eval.map((e) => [e, evalMetric(e, scores, test)]));
    return { model, testRankings: test.length, metrics: metrics(ours), displayed: metrics(shown) };
  }

  /**
   * Ranks a Metarank ranking request, best first. Features are computed against the current state,
   * by the same function a stored ranking was featurized with. An untrained LambdaMART model answers
   * in the request's order (or by `relevancy` when present). Records nothing.
   */
  async rank(model: string, request: unknown, opts: { explain?: boolean } = {}): Promise<{ items: RankedItem[] }> {
    const m = this.model(model);
    const req = parseRankRequest(request);
    const ts = req.timestamp ?? Date.now();
    if (m.type === 'lambdamart') await this.refresh(model);
    await this.syncDue();
    const trained = this.trained.get(model);
    const needFeatures = opts.explain === true || (m.type === 'lambdamart' && trained !== undefined);
    const cols = this.columns();
    const rows = needFeatures ? await extract(this.config.features, this.state, { request: req, timestamp: ts }, this.scorer) : undefined;
    let scores: number[];
    if (m.type === 'lambdamart' && trained) {
      const idx = trained.model.features.map((c) => cols.indexOf(c));
      scores = rows!.map((r) => predict(trained.model, idx.map((i) => (i < 0 ? NaN : r[i]!))));
    } else if (m.type === 'shuffle') scores = shuffled(req, m.maxPositionChange);
    else scores = coldOrder(req, m.type === 'lambdamart');
    const items = req.items.map((it, i) => ({
      item: it.id, score: scores[i]!,
      ...(opts.explain && rows ? { features: Object.fromEntries(cols.map((c, j) => [c, toJson(rows[i]![j]!)])) } : {}),
    }));
    const order = items.map((_, i) => i).sort((a, b) => items[b]!.score - items[a]!.score || a - b);
    return { items: order.map((i) => items[i]!) };
  }

  /** Waits for writes in progress. */
  async flush(): Promise<{ updated: number }> {
    await this.queue;
    return { updated: 0 };
  }

  async close(): Promise<void> {
    await this.queue;
    await this.store.close();
  }
}

/** Untrained order: by `relevancy` when every item has one (lambdamart), else the request's order. */
function coldOrder(req: RankRequest, byRelevancy: boolean): number[] {
  const rel = req.items.map((it) => it.relevancy ?? it.fields.find((f) => f.name === 'relevancy')?.value);
  if (byRelevancy && rel.every((r) => typeof r === 'number')) return rel as number[];
  return req.items.map((_, i) => req.items.length - i);
}

/** Metarank's shuffle baseline: each item moves at most maxPositionChange places, repeatably per request id. */
function shuffled(req: RankRequest, maxChange: number): number[] {
  const rng = seededRandom(hash(req.id ?? JSON.stringify(req.items.map((i) => i.id))));
  const key = req.items.map((_, i) => i + rng() * (maxChange + 1));
  return key.map((k) => -k);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Metarank's split strategies: `time` (oldest N% train), `random`, `hold_last` (last rankings of each session test). */
function split<T extends { ct: Clickthrough }>(xs: T[], spec: string, seed: number): { train: T[]; test: T[] } {
  const [kind, pct] = spec.split('=');
  const ratio = pct ? Number(pct.replace('%', '')) / 100 : 0.8;
  if (kind === 'random') {
    const rng = seededRandom(seed);
    const train: T[] = []; const test: T[] = [];
    for (const x of xs) (rng() < ratio ? train : test).push(x);
    return { train, test };
  }
  if (kind === 'hold_last') {
    const bySession = new Map<string, T[]>();
    for (const x of xs) { const k = x.ct.session ?? x.ct.user ?? x.ct.id; bySession.set(k, [...(bySession.get(k) ?? []), x]); }
    const train: T[] = []; const test: T[] = [];
    for (const list of bySession.values()) { const cut = Math.ceil(list.length * ratio); train.push(...list.slice(0, cut)); test.push(...list.slice(cut)); }
    return { train, test };
  }
  const cut = Math.round(xs.length * ratio);
  return { train: xs.slice(0, cut), test: xs.slice(cut) };
}

/** NDCG@k, MAP@k, MRR over test groups (mean; NaN with no test groups). */
function evalMetric(name: string, scores: number[][], groups: RankGroup[]): number {
  if (groups.length === 0) return NaN;
  const [kind, kRaw] = name.split('@');
  const vals = groups.map((g, qi) => {
    const k = kRaw ? Number(kRaw) : g.y.length;
    if (kind === 'NDCG') return ndcgAt(scores[qi]!, g.y, k);
    const order = g.y.map((_, i) => i).sort((a, b) => scores[qi]![b]! - scores[qi]![a]! || a - b);
    if (kind === 'MRR') { const r = order.findIndex((i) => g.y[i]! > 0); return r < 0 ? 0 : 1 / (r + 1); }
    let hits = 0; let sum = 0;
    order.slice(0, k).forEach((i, r) => { if (g.y[i]! > 0) { hits++; sum += hits / (r + 1); } });
    const rel = g.y.filter((y) => y > 0).length;
    return rel === 0 ? 0 : sum / Math.min(rel, k);
  });
  return vals.reduce((a, b) => a + b, 0) / vals.length;
}
