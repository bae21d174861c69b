/** Quantized weights of a [K, N] matrix: int8 symmetric or uint8 asymmetric, per tensor or per output column. */
export interface QuantizedWeights {
  data: Int8Array | Uint8Array;
  /** One scale per tensor ([1]) or per column ([N]). */
  scale: Float32Array;
  zeroPoint: Int8Array | Uint8Array;
}

export interface WeightQuantOptions {
  /** 'int8' (symmetric, zero point 0) or 'uint8' (asymmetric). */
  weightType: 'int8' | 'uint8';
  /** One scale per output column instead of one for the whole matrix. */
  perChannel: boolean;
  /** 7-bit weights, so AVX2/AVX-512 u8×s8 kernels (VPMADDUBSW) cannot saturate. */
  reduceRange: boolean;
}

/** Quantizes w ([K, N], row-major) the way ONNX Runtime's quantize_dynamic does. */
export function quantizeWeights(w: Float32Array, k: number, n: number, o: WeightQuantOptions): QuantizedWeights {
  const groups = o.perChannel ? n : 1;
  const lo = new Float32Array(groups).fill(0);
  const hi = new Float32Array(groups).fill(0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) {
      const g = o.perChannel ? j : 0;
      const v = w[i * n + j];
      if (v < lo[g]) lo[g] = v;
      if (v > hi[g]) hi[g] = v;
    }
  }
  const params = Array.from({ length: groups }, (_, g) => quantParams(lo[g], hi[g], o));
  const data = o.weightType === 'int8' ? new Int8Array(k * n) : new Uint8Array(k * n);
  const [qmin, qmax] = range(o);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) {
      const { scale, zero } = params[o.perChannel ? j : 0];
      const q = Math.round(w[i * n + j] / scale) + zero;
      data[i * n + j] = Math.min(qmax, Math.max(qmin, q));
    }
  }
  return {
    data,
    scale: Float32Array.from(params.map((p) => p.scale)),
    zeroPoint: o.weightType === 'int8' ? Int8Array.from(params.map((p) => p.zero)) : Uint8Array.from(params.map((p) => p.zero)),
  };
}

function range(o: WeightQuantOptions): [number, number] {
  if (o.weightType === 'int8') return o.reduceRange ? [-64, 64] : [-127, 127];
  return o.reduceRange ? [0, 127] : [0, 255];
}

/** Scale and zero point covering [lo, hi] (always including 0, so zero padding stays exact). */
function quantParams(lo: number, hi: number, o: WeightQuantOptions): { scale: number; zero: number } {
  const [qmin, qmax] = range(o);
  if (o.weightType === 'int8') {
    const absMax = Math.max(Math.abs(lo), Math.abs(hi));
    return { scale: absMax > 0 ? (2 * absMax) / (qmax - qmin) : 1, zero: 0 };
  }
  const scale = hi > lo ? (hi - lo) / (qmax - qmin) : 1;
  return { scale, zero: Math.min(qmax, Math.max(qmin, Math.round(qmin - lo / scale))) };
}
