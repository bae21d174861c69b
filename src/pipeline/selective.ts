import { RerankError } from '../errors.js';
import type { DocInput, Reranker, RerankOptions, RerankResult } from '../types.js';
import { checkRerankInput, finishResults, pairOptions } from '../rerank-input.js';
import { minMax } from '../util/scores.js';
import { firstStageScore } from './util.js';

export interface SelectiveOptions {
  /**
   * Confidence rule: skip the reranker when the first stage's top document leads the second by at
   * least this margin, measured on the first-stage scores min-max normalised over the candidate list
   * (so margin = (s1 - s2) / (s1 - sN), between 0 and 1). Default 0.5.
   */
  minMargin?: number;
}

/**
 * Reranks only when the first stage is unsure. Documents must carry first-stage scores as
 * `{text, score}` objects (a TwoStageRetriever passes them); without scores the reranker always runs.
 * When skipped, results keep the first-stage order with the normalised first-stage scores, and
 * `raw` holds the first-stage score as given (BM25, cosine...). Reranked, results are the inner
 * reranker's, fields included. `stats` counts both outcomes.
 */
export class SelectiveReranker implements Reranker {
  readonly name: string;
  readonly stats = { reranked: 0, skipped: 0 };
  private readonly minMargin: number;

  constructor(private readonly inner: Reranker, opts: SelectiveOptions = {}) {
    this.minMargin = opts.minMargin ?? 0.5;
    if (!(this.minMargin >= 0 && this.minMargin <= 1)) throw new RerankError('RERANK_BAD_OPTION', 'minMargin must be between 0 and 1');
    this.name = `selective(${inner.name},${this.minMargin})`;
  }

  /** The normalised margin of the first stage, or undefined when some document has no score. */
  static margin(documents: DocInput[]): number | undefined {
    const raw = documents.map(firstStageScore);
    if (raw.some((s) => s === undefined) || raw.length < 2) return undefined;
    const norm = minMax(raw as number[]).sort((a, b) => b - a);
    return norm[0] - norm[1];
  }

  async rerank(query: string, documents: DocInput[], options: RerankOptions = {}): Promise<RerankResult[]> {
    checkRerankInput(query, documents, options);
    const margin = SelectiveReranker.margin(documents);
    if (margin === undefined || margin < this.minMargin) {
      this.stats.reranked++;
      return finishResults(await this.inner.rerank(query, documents, pairOptions(options)), documents, options);
    }
    this.stats.skipped++;
    const raw = documents.map((d) => firstStageScore(d)!);
    const norm = minMax(raw);
    return finishResults(raw.map((s, index) => ({ index, score: norm[index], raw: s })), documents, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
