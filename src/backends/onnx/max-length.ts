import { RerankError } from '../../errors.js';

/** Families whose position ids start after the padding index, so two positions are unusable. */
const OFFSET_POSITIONS = new Set(['roberta', 'xlm-roberta', 'camembert', 'longformer', 'bart', 'mbart']);

/** Longest position the model can embed. */
function positionLimit(config: Record<string, unknown>): number {
  const mpe = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : 512;
  return OFFSET_POSITIONS.has(String(config.model_type)) ? mpe - 2 : mpe;
}

/**
 * The reference max length: min(tokenizer_config.model_max_length, config.max_position_embeddings),
 * ignoring whatever tokenizer.json has baked in; a caller's value wins but cannot exceed the positions.
 */
export function modelMaxLength(config: Record<string, unknown>, tokConfig: Record<string, unknown>, override: number | undefined, specials: number): number {
  const limit = positionLimit(config);
  if (override !== undefined) {
    if (!Number.isInteger(override) || override < specials + 2 || override > limit) {
      throw new RerankError('RERANK_BAD_OPTION', `maxLength must be an integer in [${specials + 2}, ${limit}] for this model, got ${override}`);
    }
    return override;
  }
  const mml = typeof tokConfig.model_max_length === 'number' && tokConfig.model_max_length < 1e6 ? tokConfig.model_max_length : Infinity;
  return Math.min(mml, limit);
}
