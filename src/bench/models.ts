import { stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RerankError } from '../errors.js';
import { describeFolder, type ModelFiles } from '../models/resolve.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Generated models live here (git-ignored); the bench writes them on first use. */
export const BENCH_MODELS = join(REPO, '.bench', 'models');
/** Tokenizers the presets use: the real bert-base-uncased vocabulary, and the XLM-R fixture's SentencePiece model. */
const TOKENIZERS: Record<string, string> = {
  bert: join(REPO, 'test', 'fixtures', 'tokenizers', 'bert-base-uncased'),
  'xlm-roberta': join(REPO, 'test', 'fixtures', 'models', 'xlmr-ce-tiny'),
};

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** A preset name (minilm-l6, minilm-l12, bert-base, xlmr-base) or a model folder → a folder, generated if needed. */
export async function benchModelFolder(spec: string, log: (line: string) => void = () => undefined): Promise<string> {
  const { SHAPES, writeModelFolder } = await import('../onnx/make-model.js');
  const shape = SHAPES[spec];
  if (!shape) {
    if (!(await exists(spec))) throw new RerankError('RERANK_MODEL_NOT_FOUND', `"${spec}" is neither a model folder nor a preset (${Object.keys(SHAPES).join(', ')})`);
    return resolve(spec);
  }
  const dir = join(BENCH_MODELS, spec);
  if (!(await exists(join(dir, 'onnx', 'model.onnx')))) {
    log(`generating ${spec} (${shape.layers} layers, hidden ${shape.hidden}) in ${dir}`);
    await writeModelFolder(dir, shape, TOKENIZERS[shape.arch]);
  }
  return dir;
}

/**
 * The model files for a dtype. An int8 request on a generated model without a quantized ONNX writes
 * onnx/model_quantized.onnx with `rerankit quantize`'s defaults first, so `--dtype int8` just works;
 * folders the bench did not generate are never written to.
 */
export async function benchModelFiles(dir: string, dtype: string, log: (line: string) => void = () => undefined): Promise<ModelFiles> {
  try {
    return await describeFolder(dir, dtype);
  } catch (e) {
    if (dtype !== 'int8' || (e as RerankError).code !== 'RERANK_ONNX_NOT_FOUND') throw e;
    if (relative(BENCH_MODELS, dir).startsWith('..')) throw new RerankError('RERANK_ONNX_NOT_FOUND', `${(e as Error).message}; run \`rerankit quantize ${dir}\` first`);
  }
  log(`quantizing ${dir} to int8`);
  const { quantizeFolder } = await import('../quantize/folder.js');
  await quantizeFolder(dir);
  return describeFolder(dir, dtype);
}

/** Transformers.js names ONNX variants by a dtype keyword mapped to a file suffix; this inverts that map. */
export function transformersDtype(onnxPath: string): string {
  const file = basename(onnxPath, '.onnx');
  const suffix = file === 'model' ? 'fp32' : file.replace(/^model_/, '');
  const map: Record<string, string> = { fp32: 'fp32', fp16: 'fp16', quantized: 'q8', int8: 'int8', uint8: 'uint8', q4: 'q4', q4f16: 'q4f16', bnb4: 'bnb4' };
  const dtype = map[suffix];
  if (!dtype || basename(dirname(onnxPath)) !== 'onnx') throw new RerankError('RERANK_BAD_OPTION', `Transformers.js cannot load ${onnxPath}: it reads onnx/model{,_fp16,_quantized,_int8,...}.onnx only`);
  return dtype;
}
