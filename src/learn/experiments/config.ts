import { z } from 'zod';
import { RerankError } from '../../errors.js';

/**
 * The `experiments:` YAML section (rerankit's own; Metarank has none). Each entry is served at
 * `/rank/<name>` like a model: either a traffic split (`variants`: model → share) or a team-draft
 * interleaving of two models (`interleave: [a, b]`).
 */
export interface ExperimentConfig {
  name: string;
  /** Traffic split: model names and their shares (any positive numbers; only ratios matter). */
  variants?: { name: string; share: number }[];
  /** Team-draft interleaving of exactly two models. */
  interleave?: [string, string];
  /** What the split hashes: the user (falling back to the session) or the session (falling back to the user). */
  by: 'user' | 'session';
  /** Interaction type that counts as a click. */
  interaction: string;
  /** Cutoff of clicks@k. */
  k: number;
}

const entry = z.object({
  variants: z.record(z.string().min(1), z.number().positive()).optional(),
  interleave: z.tuple([z.string().min(1), z.string().min(1)]).optional(),
  by: z.enum(['user', 'session']).default('user'),
  interaction: z.string().min(1).default('click'),
  k: z.number().int().min(1).default(10),
}).strict()
  .refine((e) => (e.variants === undefined) !== (e.interleave === undefined), { message: 'needs exactly one of "variants" or "interleave"' })
  .refine((e) => !e.interleave || e.interleave[0] !== e.interleave[1], { message: 'interleave needs two different models', path: ['interleave'] })
  .refine((e) => !e.variants || Object.keys(e.variants).length >= 1, { message: 'variants needs at least one model', path: ['variants'] });

/** Checks the section; `models` are the learned model names, which every variant must be. */
export function parseExperiments(section: unknown, models: readonly string[]): ExperimentConfig[] {
  if (section === undefined || section === null) return [];
  if (typeof section !== 'object' || Array.isArray(section)) throw new RerankError('RERANK_CONFIG', 'experiments: expected a map of experiment name → settings');
  return Object.entries(section as Record<string, unknown>).map(([name, raw]) => {
    const r = entry.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new RerankError('RERANK_CONFIG', `experiments.${[name, ...issue.path].join('.')}: ${issue.message}`);
    }
    if (models.includes(name)) throw new RerankError('RERANK_CONFIG', `experiments.${name}: a model has the same name (both would be /rank/${name})`);
    const { variants, interleave, ...rest } = r.data;
    const arms = interleave ?? Object.keys(variants ?? {});
    const unknown = arms.find((m) => !models.includes(m));
    if (unknown) throw new RerankError('RERANK_CONFIG', `experiments.${name}: "${unknown}" is not a learned model (models: ${models.join(', ') || 'none'})`);
    return {
      name, ...rest,
      ...(interleave ? { interleave } : { variants: Object.entries(variants!).map(([n, share]) => ({ name: n, share })) }),
    };
  });
}
