import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RerankError } from '../errors.js';
import { readModel, writeModel } from '../onnx/model.js';
import { checkModelSource, listFiles } from '../models/resolve.js';
import { DEFAULT_QUANT, quantizeDynamic, type DynamicQuantOptions, type QuantReport } from './dynamic.js';

export interface QuantizeFolderResult extends QuantReport {
  input: string;
  output: string;
}

/** Writes onnx/model_quantized.onnx next to a model folder's fp32 ONNX file. */
export async function quantizeFolder(dir: string, o: Partial<DynamicQuantOptions> & { output?: string } = {}): Promise<QuantizeFolderResult> {
  // A missing folder or a file says so, not "no model.onnx".
  if ((await checkModelSource(dir)) !== 'folder') throw new RerankError('RERANK_MODEL_NOT_FOUND', `model folder ${dir} does not exist (quantize takes a local folder; rerankit pull prints where a hub model is cached)`);
  const files = await listFiles(dir);
  const rel = ['onnx/model.onnx', 'model.onnx'].find((f) => files.includes(f));
  if (!rel) throw new RerankError('RERANK_ONNX_NOT_FOUND', `no fp32 model.onnx in ${dir} (found: ${files.filter((f) => f.endsWith('.onnx')).join(', ') || 'none'})`);
  const input = join(dir, rel);
  const model = await readModel(input);
  const report = quantizeDynamic(model, { ...DEFAULT_QUANT, ...o });
  if (report.quantized === 0) throw new RerankError('RERANK_ONNX_INVALID', `${input} has no MatMul/Gemm with a constant weight to quantize`);
  const output = o.output ?? join(dir, 'onnx', 'model_quantized.onnx');
  await mkdir(dirname(output), { recursive: true });
  await writeModel(output, model);
  return { input, output, ...report };
}
