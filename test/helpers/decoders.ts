import { readFileSync } from 'node:fs';
import { modelDir } from './fixtures.js';

/** The decoder LLM reranker fixtures (shared/README.md, "Decoder-only LLM rerankers"). */
export const DECODERS = ['qwen3-reranker-tiny', 'qwen3-reranker-seqcls-tiny', 'gemma-reranker-tiny'] as const;

/** One case of a decoder fixture's reference.json (which logit fields it has depends on the fixture). */
export interface DecoderCase {
  query: string;
  document: string;
  instruction?: string | null;
  prompt?: string | null;
  max_length: number;
  truncated: boolean;
  input_ids: number[];
  logit_yes?: number;
  logit_no?: number;
  logit?: number;
  score: number;
  score_sigmoid?: number;
}

export function decoderReference(name: string): { cases: DecoderCase[] } {
  return JSON.parse(readFileSync(`${modelDir(name)}/reference.json`, 'utf8'));
}

/** The reference's raw score, [0, 1] score and logits, read from its fields (not computed by the code under test). */
export function expected(c: DecoderCase): { raw: number; score: number; logits: number[] } {
  if (c.logit !== undefined) return { raw: c.logit, score: c.score, logits: [c.logit] }; // seq-cls: sigmoid(logit)
  if (c.logit_no !== undefined) return { raw: c.logit_yes! - c.logit_no, score: c.score, logits: [c.logit_no, c.logit_yes!] }; // Qwen3: P(yes)
  return { raw: c.logit_yes!, score: c.score_sigmoid!, logits: [c.logit_yes!] }; // Gemma: the logit of "Yes"; its sigmoid in [0, 1]
}

/** The reference cases at max length 512 with the recipe's default instruction or prompt. */
export const defaultCases = (name: string) => decoderReference(name).cases.filter((c) => c.max_length === 512 && c.instruction == null && c.prompt == null);
