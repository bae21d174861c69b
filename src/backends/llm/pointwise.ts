import type { DocInput, Reranker, RerankOptions, RerankResult, ScoredPair } from '../../types.js';
import { checkRerankInput, finishResults } from '../../rerank-input.js';
import type { TokenLogprob } from './answer.js';
import type { LlmClient } from './client.js';
import { POINTWISE_PROMPTS, render, truncateWords, type PointwisePrompts } from './prompts.js';

export interface PointwiseOptions {
  /**
   * `logprobs`: P(yes) from the first token's log-probabilities; `grade`: a 0–10 answer / 10;
   * `auto` (default): logprobs, switching to grade for good once the endpoint returns none.
   */
  mode?: 'auto' | 'logprobs' | 'grade';
  /** Word budget per passage (default 300); 0 = no truncation. */
  maxWords?: number;
  prompts?: Partial<PointwisePrompts>;
}

/**
 * Scores each document on its own (requests run concurrently up to the client's limit).
 * logprobs mode: score = P(yes) / (P(yes) + P(no)) over the first token's top alternatives (tokens
 * compared trimmed and lower-cased, probabilities of variants summed), raw = ln P(yes) - ln P(no), so
 * score = sigmoid(raw) (raw capped at ±ln 1e12 when one side is absent). grade mode: score = grade / 10,
 * raw = the grade; an answer without a grade scores 0 and is counted. No `logits`: an endpoint returns
 * log-probabilities, not the model's output logits.
 */
export class PointwiseReranker implements Reranker {
  readonly name: string;
  mode: 'auto' | 'logprobs' | 'grade';
  /** Answers from which no grade or yes/no could be read. */
  unparsed = 0;
  private readonly prompts: PointwisePrompts;

  constructor(readonly client: LlmClient, private readonly o: PointwiseOptions = {}) {
    this.mode = o.mode ?? 'auto';
    this.prompts = { ...POINTWISE_PROMPTS, ...o.prompts };
    this.name = `pointwise:${client.o.model}`;
  }

  async rerank(query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    const texts = checkRerankInput(query, documents, options).map((t) => truncateWords(t, this.o.maxWords ?? 300));
    const scored = await Promise.all(texts.map((t) => this.scoreOne(query, t)));
    return finishResults(scored.map((s, index) => ({ index, ...s })), documents, options);
  }

  private async scoreOne(query: string, document: string): Promise<ScoredPair> {
    if (this.mode !== 'grade') {
      const vars = { query, document, instruction: this.prompts.instruction };
      const answer = await this.client.ask(
        [{ role: 'system', content: render(this.prompts.yesNoSystem, vars) }, { role: 'user', content: render(this.prompts.yesNoUser, vars) }],
        { maxTokens: 1, topLogprobs: 20 },
      );
      const yn = answer.topLogprobs?.length ? yesNoScore(answer.topLogprobs) : undefined;
      if (yn) return yn;
      if (this.mode === 'logprobs') return this.fromYesNoText(answer.text);
      this.mode = 'grade'; // the endpoint gives no log-probabilities: stop asking for them
    }
    return this.grade(query, document);
  }

  private async grade(query: string, document: string): Promise<ScoredPair> {
    const vars = { query, document, instruction: this.prompts.instruction };
    const answer = await this.client.ask(
      [{ role: 'system', content: render(this.prompts.gradeSystem, vars) }, { role: 'user', content: render(this.prompts.gradeUser, vars) }],
      { maxTokens: 8 },
    );
    const g = parseGrade(answer.text);
    if (g === undefined) this.unparsed++;
    return { score: (g ?? 0) / 10, raw: g ?? 0 };
  }

  /** logprobs mode without usable log-probabilities: a plain yes → 1, no → 0. */
  private fromYesNoText(text: string): ScoredPair {
    const t = text.trim().toLowerCase();
    if (t.startsWith('yes')) return { score: 1, raw: LOGIT_CAP };
    if (!t.startsWith('no')) this.unparsed++;
    return { score: 0, raw: -LOGIT_CAP };
  }

  async close(): Promise<void> {}
}

/** Log-odds when one side has no probability at all (kept finite so results stay valid JSON). */
const LOGIT_CAP = Math.log(1e12);

/** P(yes) normalised over yes+no among the top alternatives; undefined when neither appears. */
export function yesNoScore(top: TokenLogprob[]): { score: number; raw: number } | undefined {
  let yes = 0;
  let no = 0;
  for (const { token, logprob } of top) {
    const t = token.trim().toLowerCase();
    if (t === 'yes') yes += Math.exp(logprob);
    else if (t === 'no') no += Math.exp(logprob);
  }
  if (yes === 0 && no === 0) return undefined;
  const logit = Math.log(Math.max(yes, 1e-12)) - Math.log(Math.max(no, 1e-12));
  return { score: yes / (yes + no), raw: logit };
}

/** The first integer 0–10 in the answer ("8", "Relevance: 7/10", "**9**"). */
export function parseGrade(text: string): number | undefined {
  for (const m of text.matchAll(/\d+(?:\.\d+)?/g)) {
    const g = Number(m[0]);
    if (g >= 0 && g <= 10) return g;
  }
  return undefined;
}
