/**
 * The click simulator shared by bench/learn-sim.ts and test/learn-sim.test.ts: simulated users issue
 * labelled queries against a running `rerankit serve` over real HTTP (/rank, /feedback, /flush,
 * /train), examine rank r with probability (1/r)^η and click an examined document with a probability
 * set by its relevance grade. What was *served* is scored with nDCG@10 against the judgments.
 */
import { seededRandom } from '../src/util/random.js';

export interface SimCandidate {
  /** Item id as the server sees it: `<qid>:<docid>`, so per-item click counts are per query. */
  id: string;
  doc: string;
  /** First-stage (BM25) score, sent as the item's `relevancy` field. */
  bm25: number;
  /** Judged gain (the qrels' graded relevance; 0 when unjudged). */
  gain: number;
  /** An item field users may prefer a value of (the personalization signal). */
  topic: 'a' | 'b';
  /** Title and abstract, sent as item fields when present (content features); the test's fixture has none. */
  title?: string;
  text?: string;
}

export interface SimQuery {
  qid: string;
  query: string;
  /** In first-stage order. */
  candidates: SimCandidate[];
  /** Gains of every judged document of the query, for the ideal DCG (trec_eval's nDCG). */
  judged: number[];
}

export interface SimCollection { name: string; queries: SimQuery[] }

export interface SimOptions {
  /** Examination exponent: rank r is examined with probability (1/r)^eta. */
  eta: number;
  /** Click probability of an examined document per click grade (0 = not relevant). */
  clickProb: number[];
  /** Gain → click grade (index into clickProb). */
  gradeOf: (gain: number) => number;
  /** Users, each preferring topic 'a' or 'b'; with `personalized`, a preferred item's grade is one higher. */
  users: number;
  personalized: boolean;
  seed: number;
  /**
   * Send every displayed item's true grade as its explicit `label` (the learner's ceiling: what it
   * reaches with full information instead of clicks). Off for every real arm.
   */
  explicitLabels?: boolean;
}

export const DEFAULT_SIM: SimOptions = {
  eta: 1,
  clickProb: [0.05, 0.3, 0.6, 0.9],
  // Cranfield gains 4 (complete answer) .. 1 (minimum interest): the top two get their own grades.
  gradeOf: (g) => (g >= 4 ? 3 : g >= 3 ? 2 : g >= 1 ? 1 : 0),
  users: 20,
  personalized: false,
  seed: 1,
};

const dcg = (gains: number[], k: number) => gains.slice(0, k).reduce((s, g, i) => s + g / Math.log2(i + 2), 0);

/** nDCG@k of an order of gains against the ideal order of `ideal` (linear gains, log2 discount). */
export function ndcg(gains: number[], ideal: number[], k = 10): number {
  const best = dcg([...ideal].sort((a, b) => b - a), k);
  return best === 0 ? 0 : dcg(gains, k) / best;
}

async function post(url: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, { method: 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** One simulated population talking to one server. Deterministic for a seed (given a deterministic server). */
export class ClickSimulator {
  readonly rand: () => number;
  private clock = Date.UTC(2026, 0, 1);
  private n = 0;
  readonly prefs: ('a' | 'b')[];

  constructor(readonly url: string, readonly collection: SimCollection, readonly opts: SimOptions = DEFAULT_SIM, readonly tag = 's') {
    this.rand = seededRandom(opts.seed);
    this.prefs = Array.from({ length: opts.users }, (_, u) => (u % 2 === 0 ? 'a' : 'b'));
  }

  /** The item metadata events (topic per item), sent once before traffic. */
  itemEvents(): unknown[] {
    return this.collection.queries.flatMap((q) => q.candidates.map((c) => ({
      event: 'item', id: `item-${c.id}`, item: c.id, timestamp: this.clock,
      fields: [{ name: 'topic', value: c.topic }, ...(c.title ? [{ name: 'title', value: c.title }] : []), ...(c.text ? [{ name: 'text', value: c.text }] : [])],
    })));
  }

  /** The click grade user `u` gives a candidate. */
  grade(c: SimCandidate, u: number): number {
    const g = this.opts.gradeOf(c.gain);
    return this.opts.personalized && c.topic === this.prefs[u] ? Math.min(this.opts.clickProb.length - 1, g + 1) : g;
  }

  /** The request /rank gets: items in first-stage order with their BM25 score as `relevancy`. */
  request(q: SimQuery, user: number, id: string) {
    return {
      id, timestamp: this.clock, user: `u${user}`, session: `${id}-session`,
      fields: [{ name: 'query', value: q.query }],
      items: q.candidates.map((c) => ({ id: c.id, fields: [{ name: 'relevancy', value: c.bm25 }] })),
    };
  }

  /** Examination (1/r)^eta, then a click with the grade's probability: the clicked positions. */
  clicks(order: SimCandidate[], user: number): number[] {
    const out: number[] = [];
    order.forEach((c, i) => {
      const examined = this.rand() < (1 / (i + 1)) ** this.opts.eta;
      if (examined && this.rand() < this.opts.clickProb[this.grade(c, user)]!) out.push(i);
    });
    return out;
  }

  /** Quality of an order: nDCG@10 against the qrels (or, personalized, against the user's own grades among the candidates). */
  quality(q: SimQuery, order: SimCandidate[], user: number): number {
    if (!this.opts.personalized) return ndcg(order.map((c) => c.gain), q.judged);
    return ndcg(order.map((c) => this.grade(c, user)), q.candidates.map((c) => this.grade(c, user)));
  }

  /** The oracle's order of the same candidates for this user. */
  oracle(q: SimQuery, user: number): SimCandidate[] {
    const key = (c: SimCandidate) => (this.opts.personalized ? this.grade(c, user) : c.gain);
    return [...q.candidates].sort((a, b) => key(b) - key(a));
  }

  pick(): { q: SimQuery; user: number } {
    const qs = this.collection.queries;
    return { q: qs[Math.floor(this.rand() * qs.length)]!, user: Math.floor(this.rand() * this.opts.users) };
  }

  /**
   * One session: /rank, the user's clicks on what was served, then the ranking as displayed and its
   * clicks to /feedback. Returns the served order's quality, the clicks and the variant header.
   */
  async session(model: string, pick = this.pick()): Promise<{ quality: number; clicks: number; variant: string | undefined; oracle: number }> {
    const { q, user } = pick;
    const id = `${this.tag}${this.n++}`;
    this.clock += 60_000;
    const req = this.request(q, user, id);
    const ranked = await post(this.url, `/rank/${model}`, req) as { items: { item: string }[]; variant?: string };
    const byId = new Map(q.candidates.map((c) => [c.id, c]));
    const order = ranked.items.map((i) => byId.get(i.item)!);
    const clicked = this.clicks(order, user);
    const events: unknown[] = [{ event: 'ranking', ...req, items: order.map((c) => ({ id: c.id, fields: [{ name: 'relevancy', value: c.bm25 }], ...(this.opts.explicitLabels ? { label: this.grade(c, user) } : {}) })) }];
    for (const p of clicked) {
      events.push({ event: 'interaction', id: `${id}-c${p}`, ranking: id, timestamp: this.clock + 1000 * (p + 1), user: req.user, session: req.session, type: 'click', item: order[p]!.id });
    }
    await post(this.url, '/feedback', events);
    return { quality: this.quality(q, order, user), clicks: clicked.length, variant: ranked.variant, oracle: this.quality(q, this.oracle(q, user), user) };
  }

  /** Finalizes buffered click-throughs and retrains `model`. */
  async retrain(model: string): Promise<unknown> {
    await post(this.url, '/flush');
    return post(this.url, `/train/${model}`);
  }

  async sendItems(): Promise<void> {
    await post(this.url, '/feedback', this.itemEvents());
  }
}

export interface LoopResult {
  /** Mean quality of the served rankings in each block of `every` sessions. */
  blocks: number[];
  /** Mean oracle quality over all sessions. */
  oracle: number;
  sessions: number;
  /** The last /train answer (its propensities, for a debiased model). */
  lastReport?: unknown;
}

/** Serves `sessions` sessions through `model`, retraining it every `every` sessions. */
export async function trafficLoop(sim: ClickSimulator, model: string, sessions: number, every: number, train = true): Promise<LoopResult> {
  const blocks: number[] = [];
  let sum = 0, oracle = 0;
  let lastReport: unknown;
  for (let s = 1; s <= sessions; s++) {
    const r = await sim.session(model);
    sum += r.quality;
    oracle += r.oracle;
    if (s % every === 0) {
      blocks.push(sum / every);
      sum = 0;
      if (train && s < sessions) lastReport = await sim.retrain(model);
    }
  }
  return { blocks, oracle: oracle / sessions, sessions, ...(lastReport !== undefined ? { lastReport } : {}) };
}

/**
 * Sessions an experiment needs to detect the better model: traffic goes through `/rank/<experiment>`
 * in steps of `step`, and the answer is the first step from which GET /experiments says significant
 * (p < 0.05) with `better` leading at every later step up to `max`; null if never.
 */
export async function sessionsToDetect(sim: ClickSimulator, experiment: string, better: string, step: number, max: number): Promise<number | null> {
  let since: number | null = null;
  for (let s = step; s <= max; s += step) {
    for (let i = 0; i < step; i++) await sim.session(experiment);
    const report = await (await fetch(`${sim.url}/experiments`)).json() as { experiments: { name: string; significance: { significant: boolean; leader: string | null }[] }[] };
    const sig = report.experiments.find((e) => e.name === experiment)!.significance[0]!;
    const ok = sig.significant && sig.leader === better;
    if (ok && since === null) since = s;
    if (!ok) since = null;
  }
  return since;
}

/** The features and models of a simulation server, as a Metarank config (docs/learning.md). */
export interface SimServerConfig {
  /** Learned models: name → the YAML body of its entry. */
  models: Record<string, string>;
  /** Extra YAML for `experiments:` (already indented by 2), if any. */
  experiments?: string;
}

/**
 * The shared features: the first-stage score, per-item CTR over examined impressions, and the user's
 * topic affinity (`measure: share`: the share of the user's clicks on items of the item's topic;
 * Metarank's own value, whether the user clicked that topic at all, is 1 for both topics soon).
 */
export const SIM_FEATURES = `features:
  - name: relevancy
    type: number
    field: item.relevancy
  - name: ctr
    type: rate
    top: click
    bottom: impression
    scope: item
    bucket: 24h
    periods: [3650]
    normalize:
      weight: 2
  - name: clicks
    type: interaction_count
    interaction: click
    scope: item
  - name: title_match
    type: field_match
    rankingField: ranking.query
    itemField: item.title
    method:
      type: term
  - name: text_match
    type: field_match
    rankingField: ranking.query
    itemField: item.text
    method:
      type: term
  - name: title_ngram
    type: field_match
    rankingField: ranking.query
    itemField: item.title
    method:
      type: ngram
      n: 3
  - name: topic_affinity
    type: interacted_with
    interaction: click
    field: item.topic
    scope: user
    measure: share
`;

/** A lambdamart entry with the simulator's backend settings. */
export function lambdamart(features: string[], debias: boolean | string, iterations = 50): string {
  return `type: lambdamart
    backend:
      type: xgboost
      iterations: ${iterations}
      learningRate: 0.1
      maxDepth: 4
      seed: 0
      debias: ${debias}
    weights:
      click: 1
    features: [${features.join(', ')}]`;
}

export function simConfigYaml(c: SimServerConfig): string {
  const models = Object.entries(c.models).map(([name, body]) => `  ${name}:\n    ${body}`).join('\n');
  return `state:
  type: memory
core:
  clickthrough:
    maxSessionLength: 30m
${SIM_FEATURES}models:
${models}
${c.experiments ? `experiments:\n${c.experiments}\n` : ''}`;
}
