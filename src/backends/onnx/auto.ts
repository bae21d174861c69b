import { RerankError } from '../../errors.js';
import { resolveModel } from '../../models/resolve.js';
import type { Reranker, RerankerConfig } from '../../types.js';
import { CrossEncoder, type CrossEncoderOptions } from './cross-encoder.js';
import { detectFamily } from './decoder/detect.js';
import { DecoderReranker, type DecoderRerankerOptions } from './decoder/reranker.js';

/** Options that only decoder LLM rerankers take. */
const DECODER_ONLY = ['recipe', 'instruction', 'prefixCache'] as const;

/**
 * Registry factory of the default kind ("cross-encoder"): an ONNX reranker from a Hugging Face repo
 * or folder, whichever it is. config.json decides: an encoder classifier (BERT, XLM-R...) becomes a
 * CrossEncoder, a decoder LLM reranker (Qwen3-Reranker, bge-reranker-v2-gemma, seq-cls conversions,
 * or any decoder given a recipe) a DecoderReranker — so `rerankit rerank --model X` and
 * `rerankit serve --model X` work for both without naming a kind.
 */
export async function createOnnxReranker(c: RerankerConfig): Promise<Reranker> {
  if (!c.model) throw new RerankError('RERANK_BAD_OPTION', 'a cross-encoder needs a model (hub id or folder)');
  const o = c as DecoderRerankerOptions;
  const files = await resolveModel(c.model, o);
  const family = detectFamily(files.config, c.model, files.dir === c.model);
  const decoderOnly = DECODER_ONLY.find((k) => c[k] !== undefined);
  const noArchitecture = !Array.isArray(files.config.architectures);
  if (family.kind === 'decoder' || (noArchitecture && o.recipe !== undefined)) return DecoderReranker.fromFiles(c.model, files, family, o);
  if (decoderOnly) {
    const arch = String((files.config.architectures as unknown[])?.[0] ?? 'model');
    throw new RerankError('RERANK_BAD_OPTION', `option "${decoderOnly}" applies to decoder LLM rerankers; ${c.model} is a ${arch} cross-encoder`);
  }
  return CrossEncoder.fromFiles(c.model, files, c as CrossEncoderOptions);
}
