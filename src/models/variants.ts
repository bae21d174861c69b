import { RerankError } from '../errors.js';

/**
 * dtype → ONNX file names to try, in order, in onnx/ then the repo root. The names follow the
 * conventions of Optimum / Transformers.js / sentence-transformers exports on the hub.
 * A dtype ending in ".onnx" names the file itself (e.g. "model_O4.onnx").
 */
const VARIANTS: Record<string, string[]> = {
  fp32: ['model.onnx'],
  fp16: ['model_fp16.onnx'],
  int8: ['model_quantized.onnx', 'model_int8.onnx', 'model_qint8_avx512_vnni.onnx', 'model_qint8_avx512.onnx', 'model_quint8_avx2.onnx', 'model_qint8_arm64.onnx'],
  q8: ['model_quantized.onnx', 'model_int8.onnx'],
  quantized: ['model_quantized.onnx'],
  uint8: ['model_uint8.onnx', 'model_quint8_avx2.onnx'],
  q4: ['model_q4.onnx'],
  q4f16: ['model_q4f16.onnx'],
  bnb4: ['model_bnb4.onnx'],
};

export const DTYPES = Object.keys(VARIANTS);

/** Repo-relative candidate paths for a dtype, best first. */
export function onnxCandidates(dtype: string): string[] {
  const names = dtype.endsWith('.onnx') ? [dtype.replace(/^onnx\//, '')] : VARIANTS[dtype];
  if (!names) throw new RerankError('RERANK_BAD_OPTION', `unknown dtype "${dtype}" (use one of ${DTYPES.join(', ')} or an .onnx file name)`);
  return names.flatMap((n) => [`onnx/${n}`, n]);
}

/** Picks the first candidate present in `files` (repo-relative paths) or explains what exists. */
export function pickOnnx(dtype: string, files: string[], where: string): string {
  const present = new Set(files);
  const hit = onnxCandidates(dtype).find((c) => present.has(c));
  if (hit) return hit;
  const onnx = files.filter((f) => f.endsWith('.onnx')).sort();
  const available = onnx.length ? `available: ${onnx.join(', ')}` : 'no .onnx file in the repo (export one with optimum-cli export onnx)';
  throw new RerankError('RERANK_ONNX_NOT_FOUND', `no ONNX file for dtype "${dtype}" in ${where}; ${available}`);
}
