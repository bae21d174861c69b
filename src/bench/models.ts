import { rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { RerankError } from '../errors.js';
import { describeFolder, type ModelFiles } from '../models/resolve.js';
import { SHAPES, writeModelFolder } from './make-model.js';
import { ASSETS, benchModelsDir, writeAtomically } from './paths.js';

/** Tokenizers the presets use: the real bert-base-uncased one, and a small XLM-R SentencePiece one (see assets/bench). */
const TOKENIZERS: Record<string, string> = {
  bert: join(ASSETS, 'bert-base-uncased'),
  'xlm-roberta': join(ASSETS, 'xlmr-tiny'),
};

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/**
 * A preset name (minilm-l6, minilm-l12, bert-base, xlmr-base, tiny) or a model folder → a folder; a
 * preset is generated into the bench cache (see paths.ts) on first use.
 */
export async function benchModelFolder(spec: string, log: (line: string) => void = () => undefined): Promise<string> {
  const shape = SHAPES[spec];
  if (!shape) {
    if (!(await exists(spec))) throw new RerankError('RERANK_MODEL_NOT_FOUND', `"${spec}" is neither a model folder nor a preset (${Object.keys(SHAPES).join(', ')})`);
    return resolve(spec);
  }
  const dir = join(benchModelsDir(), spec);
  if (!(await exists(join(dir, 'onnx', 'model.onnx')))) {
    log(`generating ${spec} (${shape.layers} layers, hidden ${shape.hidden}) in ${dir}`);
    await rm(dir, { recursive: true, force: true }); // an incomplete folder from an older version or by hand
    await writeAtomically(dir, (tmp) => writeModelFolder(tmp, shape, TOKENIZERS[shape.arch]));
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
    if (relative(benchModelsDir(), dir).startsWith('..')) throw new RerankError('RERANK_ONNX_NOT_FOUND', `${(e as Error).message}; run \`rerankit quantize ${dir}\` first`);
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
