import { RerankError } from '../../errors.js';
import type { DocInput, Reranker, RerankOptions, RerankResult } from '../../types.js';
import { checkRerankInput, finishResults } from '../../rerank-input.js';
import type { ChatMessage, LlmClient } from './client.js';
import { isCleanPermutation, parsePermutation } from './permutation.js';
import { RANKGPT_PROMPTS, render, truncateWords, type ListwisePrompts } from './prompts.js';
import { rankScore } from './config.js';
import { slidingWindow } from './window.js';

export interface ListwiseOptions {
  /** Passages per LLM call (default 20). */
  window?: number;
  /** How far the window moves up each step (default 10); 0 < stride < window. */
  stride?: number;
  /** Sliding-window passes over the list (default 1). */
  passes?: number;
  /** Only the first `depth` documents are reranked (default all); the rest follow in input order. */
  depth?: number;
  /** Word budget per passage (default 300, RankGPT's); 0 = no truncation. */
  maxWords?: number;
  prompts?: Partial<ListwisePrompts>;
}

/**
 * RankGPT-style listwise reranking over the input order (the first stage's ranking). The LLM gives an
 * order, not scores: each result has its 1-based `rank` and a rank-derived score = (n - rank + 1) / n,
 * so the top document scores 1 and the last 1/n; there is no `raw` and no `logits`.
 */
export class ListwiseReranker implements Reranker {
  readonly name: string;
  /** Windows whose answer needed repair (duplicates, missing or out-of-range ids, no ids at all). */
  repairedAnswers = 0;
  private readonly window: number;
  private readonly stride: number;
  private readonly passes: number;
  private readonly prompts: ListwisePrompts;

  constructor(readonly client: LlmClient, private readonly o: ListwiseOptions = {}) {
    this.window = o.window ?? 20;
    this.stride = o.stride ?? 10;
    this.passes = o.passes ?? 1;
    if (!Number.isInteger(this.window) || this.window < 2) throw new RerankError('RERANK_BAD_OPTION', `window must be an integer >= 2 (got ${this.window})`);
    if (!Number.isInteger(this.stride) || this.stride <= 0 || this.stride >= this.window) {
      throw new RerankError('RERANK_BAD_OPTION', `stride must be an integer with 0 < stride < window (got stride ${this.stride}, window ${this.window})`);
    }
    if (!Number.isInteger(this.passes) || this.passes < 1) throw new RerankError('RERANK_BAD_OPTION', `passes must be an integer >= 1 (got ${this.passes})`);
    this.prompts = { ...RANKGPT_PROMPTS, ...o.prompts };
    this.name = `listwise:${client.o.model}`;
  }

  async rerank(query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    const texts = checkRerankInput(query, documents, options).map((t) => truncateWords(t, this.o.maxWords ?? 300));
    let order = documents.map((_, i) => i);
    for (let p = 0; p < this.passes; p++) {
      order = await slidingWindow(order, { window: this.window, stride: this.stride, depth: this.o.depth }, (items) => this.rankWindow(query, items, texts));
    }
    const n = order.length;
    const results = order.map((index, r) => ({ index, score: rankScore(r, n), rank: r + 1 }));
    return finishResults(results, documents, options);
  }

  private async rankWindow(query: string, items: number[], texts: string[]): Promise<number[]> {
    const answer = await this.client.ask(this.messages(query, items.map((i) => texts[i])), { maxTokens: items.length * 5 + 20 });
    if (!isCleanPermutation(answer.text, items.length)) this.repairedAnswers++;
    return parsePermutation(answer.text, items.length).map((k) => items[k]);
  }

  /** The conversation for one window, in RankGPT's turn structure or as a single user message. */
  messages(query: string, passages: string[]): ChatMessage[] {
    const p = this.prompts;
    const num = passages.length;
    const msgs: ChatMessage[] = [{ role: 'system', content: render(p.system, { query, num }) }];
    const labelled = passages.map((content, i) => render(p.passage, { query, num, rank: i + 1, content }));
    if (p.conversation) {
      msgs.push({ role: 'user', content: render(p.prefix, { query, num }) }, { role: 'assistant', content: render(p.prefixAck, { query, num }) });
      labelled.forEach((content, i) => msgs.push({ role: 'user', content }, { role: 'assistant', content: render(p.passageAck, { query, num, rank: i + 1 }) }));
      msgs.push({ role: 'user', content: render(p.suffix, { query, num }) });
    } else {
      msgs.push({ role: 'user', content: [render(p.prefix, { query, num }), ...labelled, render(p.suffix, { query, num })].join('\n') });
    }
    return msgs;
  }

  async close(): Promise<void> {}
}
