import type { TruncationPlan } from '../../models/truncate.js';
import { checkRerankOptions } from '../../rerank-input.js';
import type { PairOptions } from '../../types.js';

/** Checks a call's truncation options (RERANK_BAD_OPTION names the bad one) and resolves them against a model's long-document policy. */
export function truncationPlan(o: PairOptions | undefined, longDocuments: 'truncate' | 'chunk'): TruncationPlan {
  const { maxTokensPerDoc, maxChunksPerDoc, truncate, truncationDirection } = o ?? {};
  checkRerankOptions({ maxTokensPerDoc, maxChunksPerDoc, truncate, truncationDirection });
  return {
    direction: truncationDirection ?? 'right',
    maxTokensPerDoc,
    // max_chunks_per_doc asks for chunking whatever the model's default.
    chunk: longDocuments === 'chunk' || maxChunksPerDoc !== undefined,
    maxChunks: maxChunksPerDoc ?? Infinity,
    truncate: truncate ?? true,
  };
}
