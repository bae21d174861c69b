import { RerankError } from '../errors.js';
import type { ExperimentConfig } from '../learn/experiments/config.js';
import type { LearnConfig } from '../learn/learner.js';

/** What `serve` needs to run the learning API: the checked Metarank sections and the experiments. */
export interface LearnSettings {
  config: LearnConfig;
  experiments: ExperimentConfig[];
}

/** Metarank's sections of a config file, as parsed YAML, before the learner checks them. */
export interface MetarankSections {
  features?: unknown;
  /** Only the map entries whose `type` is a learned model type. */
  models: Record<string, unknown>;
  core?: unknown;
  state?: unknown;
  experiments?: unknown;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Metarank sections rerankit does not implement, each with what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  input: 'send events to POST /feedback, or load a file with `rerankit learn import`',
  train: 'click-throughs are kept in the `state:` store',
};

/**
 * Splits a config file into rerankit's settings layer and Metarank's sections, so one file can hold
 * both. `models:` may be rerankit's list of rerankers or Metarank's map of named models: a map entry
 * whose `type` is a learned type (lambdamart, shuffle, noop) is a learned model, any other is a
 * reranker named by its key (`kind`, `model`, options). Metarank's `api:` gives host and port, and its
 * `inference:` cross-encoders become served rerankers (what /inference/cross/<name> answers).
 */
export function splitMetarank(doc: Record<string, unknown>, learnedTypes: readonly string[], source: string): { layer: Record<string, unknown>; learn?: MetarankSections } {
  const { features, core, state, experiments, models, api, inference, ...layer } = doc;
  for (const key of Object.keys(UNSUPPORTED)) {
    if (key in layer) throw new RerankError('RERANK_CONFIG', `${source}: ${key}: Metarank's "${key}" section is not supported: ${UNSUPPORTED[key]}`);
  }
  const learned: Record<string, unknown> = {};
  const rerankers: unknown[] = [];
  if (isMap(models)) {
    for (const [name, entry] of Object.entries(models)) {
      const type = isMap(entry) ? entry.type : undefined;
      if (typeof type === 'string' && learnedTypes.includes(type)) learned[name] = entry;
      else if (isMap(entry) && type === undefined) rerankers.push({ name, ...entry });
      else throw new RerankError('RERANK_CONFIG', `${source}: models.${name}: type ${JSON.stringify(type)} is not a learned model type (${learnedTypes.join(', ')}); a reranker entry has a "kind" or a "model" and no "type"`);
    }
  } else if (models !== undefined) layer.models = models;
  if (rerankers.length) layer.models = rerankers;
  if (isMap(inference)) {
    for (const [name, entry] of Object.entries(inference)) {
      if (!isMap(entry) || entry.type !== 'cross-encoder' || typeof entry.model !== 'string') {
        throw new RerankError('RERANK_CONFIG', `${source}: inference.${name}: only {type: cross-encoder, model: <hub id or folder>} is supported`);
      }
      layer.models = [...((layer.models as unknown[] | undefined) ?? []), { name, model: entry.model }];
    }
  }
  if (isMap(api)) {
    if (api.port !== undefined) layer.port = api.port;
    if (api.host !== undefined) layer.host = api.host;
  }
  const any = Object.keys(learned).length > 0 || features !== undefined || experiments !== undefined;
  return { layer, ...(any ? { learn: { features, models: learned, core, state, experiments } } : {}) };
}

/** Checks the sections with the learner's parser, and the experiments against the learned models. */
export async function resolveLearn(sections: MetarankSections, rerankers: readonly string[]): Promise<LearnSettings> {
  const { parseLearnConfig } = await import('../learn/learner.js');
  const { parseExperiments } = await import('../learn/experiments/config.js');
  const config = parseLearnConfig(sections);
  const experiments = parseExperiments(sections.experiments, Object.keys(sections.models));
  checkRerankerFeatures(sections.features, rerankers);
  return { config, experiments };
}

/** A `type: reranker` feature must name a model this server serves (checked before listening). */
function checkRerankerFeatures(features: unknown, rerankers: readonly string[]): void {
  if (!Array.isArray(features)) return;
  for (const [i, f] of features.entries()) {
    if (!isMap(f) || f.type !== 'reranker') continue;
    const model = f.model ?? f.reranker;
    if (typeof model === 'string' && !rerankers.includes(model)) {
      throw new RerankError('RERANK_CONFIG', `features[${i}] (${String(f.name)}): reranker "${model}" is not served (served: ${rerankers.join(', ') || 'none'})`);
    }
  }
}
