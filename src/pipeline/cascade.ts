import { RerankError } from '../errors.js';
import type { DocInput, Reranker, RerankOptions, RerankResult } from '../types.js';
import { checkRerankInput, finishResults, pairOptions } from '../rerank-input.js';

export interface CascadeOptions {
  /** How many of the cheap reranker's best documents the expensive reranker orders (default 20). */
  keep?: number;
  /** Return the documents the cheap stage cut (below the expensive ones). Default true. */
  keepTail?: boolean;
}

/**
 * Cheap reranker narrows the list to `keep`, the expensive one orders those. The tail keeps the cheap
 * order; its scores are the cheap scores scaled below the lowest expensive score, so the result stays
 * sorted and a threshold never lets a tail document outrank an expensive one.
 * Result fields: the head keeps the expensive reranker's `raw`, `logits`, `rank` and `members`; the tail
 * has only its scaled `score` (the cheap stage's raw values are on another scale), plus a `rank`
 * continuing the head's when the expensive reranker is order-only.
 */
export class CascadeReranker implements Reranker {
  readonly name: string;
  private readonly keep: number;

  constructor(private readonly cheap: Reranker, private readonly expensive: Reranker, private readonly opts: CascadeOptions = {}) {
    this.keep = opts.keep ?? 20;
    if (!(Number.isInteger(this.keep) && this.keep > 0)) throw new RerankError('RERANK_BAD_OPTION', 'cascade keep must be a positive integer');
    this.name = `cascade(${cheap.name}>${expensive.name})`;
  }

  async rerank(query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    checkRerankInput(query, documents, options);
    const po = pairOptions(options);
    const first = await this.cheap.rerank(query, documents, po);
    const top = first.slice(0, this.keep);
    const second = await this.expensive.rerank(query, top.map((r) => documents[r.index]), po);
    const head: RerankResult[] = second.map((r) => ({ ...r, index: top[r.index].index }));
    const floor = Math.min(...head.map((r) => r.score));
    const ranked = head.some((r) => r.rank !== undefined);
    const tail = this.opts.keepTail === false ? [] : first.slice(this.keep).map((r, i): RerankResult => ({
      index: r.index, score: floor * r.score * (1 - 1e-9), ...(ranked ? { rank: head.length + i + 1 } : {}),
    }));
    return finishResults([...head, ...tail], documents, options);
  }

  async close(): Promise<void> {
    await Promise.all([this.cheap.close(), this.expensive.close()]);
  }
}
