import { RerankError } from '../errors.js';
import type { ExperimentConfig } from '../learn/experiments/config.js';
import { pickVariant, unitOf } from '../learn/experiments/assign.js';
import { teamDraft } from '../learn/experiments/interleave.js';
import type { ExperimentReport } from '../learn/experiments/report.js';
import { ExperimentTracker, type ExperimentKV } from '../learn/experiments/tracker.js';
import type { Learner, RankedItem, RerankerScorer } from '../learn/learner.js';
import type { LearnSettings } from './learn-config.js';
import type { ModelPool } from './pool.js';

/**
 * The `type: reranker` feature's scorer: the served model's batched path, the one /v1/rerank takes
 * (score cache, micro-batching with other requests, queue limits).
 */
export function poolScorer(pool: ModelPool): RerankerScorer {
  return async (model, query, texts) => {
    if (texts.length === 0) return [];
    const out = await pool.get(model).scorePairs(texts.map((t) => [query, t]));
    return out.scores.map((s) => s.score);
  };
}

/**
 * The learner behind the Metarank routes, with online experiments on top: `/rank/<experiment>`
 * picks a variant by a stable hash of the user (or serves a team-draft interleaving of two models)
 * and remembers which served the ranking id, so the clicks /feedback later receives are credited.
 */
export class LearnService {
  private constructor(readonly learner: Learner, private readonly tracker: ExperimentTracker) {}

  static async open(settings: LearnSettings, pool: ModelPool): Promise<LearnService> {
    const { Learner } = await import('../learn/learner.js');
    // The store comes from `state:` (memory or file, chosen inside Learner.open); a networked store
    // (`state: {type: redis}`, helper 16a) is passed here as `store`, with nothing else changing.
    const learner = await Learner.open(settings.config, { scorer: poolScorer(pool) });
    const tracker = await ExperimentTracker.open(settings.experiments, experimentKV(learner));
    return new LearnService(learner, tracker);
  }

  async feedback(events: unknown[]): Promise<{ accepted: number; updated: number }> {
    const out = await this.learner.feedback(events); // validates the whole batch first
    await this.tracker.observe(events);
    return out;
  }

  async flush(): Promise<{ updated: number }> {
    const l = this.learner as Learner & { flush?: () => Promise<{ updated: number } | number | void> };
    const out = await l.flush?.();
    return { updated: typeof out === 'number' ? out : (out && typeof out === 'object' ? out.updated : 0) };
  }

  train(model: string): Promise<unknown> {
    this.known(model);
    return this.learner.train(model);
  }

  async rank(name: string, request: unknown, explain: boolean): Promise<{ items: RankedItem[]; variant: string }> {
    const exp = this.tracker.config(name);
    if (!exp) {
      this.known(name);
      return { items: (await this.learner.rank(name, request, { explain })).items, variant: name };
    }
    const req = (request ?? {}) as { id?: unknown; user?: unknown; session?: unknown };
    const id = typeof req.id === 'string' && req.id !== '' ? req.id : undefined;
    if (exp.interleave) return this.interleaved(exp, request, id, explain);
    const variant = pickVariant(exp.name, unitOf(req, exp.by), exp.variants!);
    const { items } = await this.learner.rank(variant, request, { explain });
    if (id) await this.tracker.served(id, { experiment: exp.name, variant, items: items.map((i) => i.item) });
    return { items, variant };
  }

  /** One merged list; each item keeps the features of the model that contributed it. */
  private async interleaved(exp: ExperimentConfig, request: unknown, id: string | undefined, explain: boolean) {
    const [a, b] = exp.interleave!;
    const [ra, rb] = await Promise.all([this.learner.rank(a, request, { explain }), this.learner.rank(b, request, { explain })]);
    const { items, teams } = teamDraft(ra.items.map((i) => i.item), rb.items.map((i) => i.item), id ?? JSON.stringify(request));
    const from = new Map([...rb.items, ...ra.items].map((i) => [i.item, i]));
    // Scores say the merged order (the two models' scores are not on one scale).
    const merged = items.map((item, i) => {
      const f = explain ? from.get(item)?.features : undefined;
      return { item, score: items.length - i, ...(f !== undefined ? { features: f } : {}) };
    });
    if (id) await this.tracker.served(id, { experiment: exp.name, variant: null, items, teams });
    return { items: merged, variant: 'interleaved' };
  }

  experiments(): ExperimentReport[] {
    return this.tracker.report();
  }

  private known(model: string): void {
    const models = this.learner.models();
    if (!models.includes(model)) {
      const all = [...models, ...this.tracker.experiments.map((e) => e.name)];
      throw new RerankError('RERANK_MODEL_NOT_FOUND', `model "${model}" is not configured (models: ${all.join(', ') || 'none'})`);
    }
  }

  close(): Promise<void> {
    return this.learner.close();
  }
}

/** The experiments' own namespace in the learner's store (persisted with it, same schema version). */
function experimentKV(learner: Learner): ExperimentKV {
  const ns = 'experiments';
  return {
    get: (key) => learner.store.get(ns, key),
    set: (key, value) => learner.store.set(ns, key, value),
    entries: () => learner.store.entries(ns),
  };
}
