import { basename } from 'node:path';
import { RerankError } from '../../../errors.js';

/** What a model folder's config.json says about running it as a reranker. */
export type ModelFamily =
  | { kind: 'encoder' }
  /** A decoder LLM: `head` when it is a sequence-classification conversion (logits [b, labels]). */
  | { kind: 'decoder'; head: boolean; recipe?: string };

/** Decoder rerankers that cannot run from an ONNX export, and why (README "Decoder LLM rerankers"). */
const UNSUPPORTED: [RegExp, string][] = [
  [/^LayerWiseMiniCPMForCausalLM$/, 'bge-reranker-v2-minicpm-layerwise scores with per-layer heads at a chosen cutoff layer, which causal-LM ONNX exports do not output'],
  [/^CostWiseGemmaForCausalLM$/, 'bge-reranker-v2.5-gemma2-lightweight compresses tokens and scores at cutoff layers with its own heads, which causal-LM ONNX exports do not output'],
];

/** Decoder architectures whose seq-cls conversions pool the last token (transformers' *ForSequenceClassification). */
const DECODER_SEQ_CLS = /^(Qwen\d*|Gemma\d*|Llama|Mistral|Phi\d*)ForSequenceClassification$/;

/**
 * Reads config.json's architectures and the repo id or folder name (issue 13's rules):
 * Qwen3ForCausalLM + "reranker" → qwen3-reranker; Qwen3ForSequenceClassification → the qwen3 prompt with
 * the model's own head; GemmaForCausalLM + "reranker" → bge-reranker-v2-gemma. Other decoders are
 * decoders without a recipe (the caller must name one); everything else is an encoder cross-encoder.
 */
export function detectFamily(config: Record<string, unknown>, idOrFolder: string, isFolder: boolean): ModelFamily {
  const arch = Array.isArray(config.architectures) && typeof config.architectures[0] === 'string' ? config.architectures[0] : '';
  const name = (isFolder ? basename(idOrFolder.replace(/[\\/]+$/, '')) : idOrFolder).toLowerCase();
  const reranker = name.includes('reranker');
  for (const [re, why] of UNSUPPORTED) {
    if (re.test(arch)) throw new RerankError('RERANK_MODEL_INVALID', `${idOrFolder} is a ${arch}: not supported, because ${why}`);
  }
  if (arch === 'Qwen3ForSequenceClassification') return { kind: 'decoder', head: true, recipe: 'qwen3-reranker' };
  if (DECODER_SEQ_CLS.test(arch)) return { kind: 'decoder', head: true };
  if (arch.endsWith('ForCausalLM')) {
    if (arch === 'Qwen3ForCausalLM' && reranker) return { kind: 'decoder', head: false, recipe: 'qwen3-reranker' };
    if (arch === 'GemmaForCausalLM' && reranker) return { kind: 'decoder', head: false, recipe: 'bge-reranker-v2-gemma' };
    return { kind: 'decoder', head: false };
  }
  return { kind: 'encoder' };
}
