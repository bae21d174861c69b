/** A tokenized pair waiting for inference; `key` says where its logits go. */
export interface PairItem {
  key: number;
  ids: number[];
  typeIds: number[];
}

export interface BatchLimits {
  /** Most padded tokens (rows × longest row) per ONNX call. */
  tokenBudget: number;
  /** Most rows per ONNX call. */
  maxBatch: number;
}

/**
 * Sorts pairs by length and cuts them into batches whose padded size stays within the token budget,
 * so short documents are never padded to the longest one of the request.
 */
export function planBatches<T extends { ids: readonly number[] }>(items: T[], limits: BatchLimits): T[][] {
  const sorted = [...items].sort((a, b) => a.ids.length - b.ids.length);
  const batches: T[][] = [];
  let cur: T[] = [];
  for (const it of sorted) {
    // Sorted ascending, so the newest item is the longest: padded size = rows × its length.
    const padded = (cur.length + 1) * it.ids.length;
    if (cur.length && (padded > limits.tokenBudget || cur.length >= limits.maxBatch)) {
      batches.push(cur);
      cur = [];
    }
    cur.push(it);
  }
  if (cur.length) batches.push(cur);
  return batches;
}

export interface BatchTensors {
  rows: number;
  cols: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
}

/** Right-pads a batch with the pad id into the int64 buffers ONNX Runtime takes without copying. */
export function buildTensors(batch: PairItem[], padId: number): BatchTensors {
  const rows = batch.length;
  const cols = Math.max(...batch.map((b) => b.ids.length));
  const inputIds = new BigInt64Array(rows * cols).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(rows * cols);
  const tokenTypeIds = new BigInt64Array(rows * cols);
  batch.forEach((item, r) => {
    const base = r * cols;
    for (let c = 0; c < item.ids.length; c++) {
      inputIds[base + c] = BigInt(item.ids[c]);
      attentionMask[base + c] = 1n;
      tokenTypeIds[base + c] = BigInt(item.typeIds[c]);
    }
  });
  return { rows, cols, inputIds, attentionMask, tokenTypeIds };
}
