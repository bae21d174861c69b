import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { RerankError } from '../errors.js';
import { fsErrorText } from '../util/fs-errors.js';
import { REQUIRED_FILES, type ResolveOptions } from './files.js';
import { pickOnnx } from './variants.js';

export type { ResolveOptions } from './files.js';

export interface ModelFiles {
  dir: string;
  onnxPath: string;
  tokenizerPath: string;
  config: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/** A local folder in the Hugging Face layout, or a hub id fetched into (or found in) the HF cache. */
export async function resolveModel(idOrFolder: string, opts: ResolveOptions = {}): Promise<ModelFiles> {
  if (!idOrFolder || typeof idOrFolder !== 'string') throw new RerankError('RERANK_MODEL_NOT_FOUND', 'no model given');
  if ((await checkModelSource(idOrFolder)) === 'folder') return describeFolder(idOrFolder, opts.dtype ?? 'fp32');
  const { downloadModel } = await import('./hub.js');
  let dir: string;
  try {
    dir = await downloadModel(idOrFolder, opts);
  } catch (e) {
    // "models/bert-ce-tiny" may be a mistyped folder as well as a hub id: say so, not only "offline".
    if (e instanceof RerankError && (e.code === 'RERANK_OFFLINE' || e.code === 'RERANK_HUB_NOT_FOUND')) {
      const parent = idOrFolder.split('/')[0]!;
      if (await isDir(parent)) {
        throw new RerankError('RERANK_MODEL_NOT_FOUND', `model folder ${idOrFolder} does not exist (nor is it a hub model: ${e.message})`, { cause: e });
      }
      throw new RerankError(e.code, `${idOrFolder} is not a local folder (no such folder), and as a hub id: ${e.message}`, { cause: e });
    }
    throw e;
  }
  return describeFolder(dir, opts.dtype ?? 'fp32');
}

/**
 * Whether a model value names a local folder or a hub id, checking nothing on the network: a folder
 * must exist and hold the model files (RERANK_MODEL_INVALID naming the missing one); a value that can
 * only be a path (`./x`, `/x`, `a/b/c`, `x.onnx`, an existing file) and does not exist is RERANK_MODEL_NOT_FOUND, "folder does not exist", never a hub lookup.
 */
export async function checkModelSource(idOrFolder: string, dtype?: string): Promise<'folder' | 'hub'> {
  const st = await stat(idOrFolder).catch(() => undefined);
  if (st?.isDirectory()) {
    if (dtype !== undefined) await describeFolder(idOrFolder, dtype);
    return 'folder';
  }
  if (st) throw new RerankError('RERANK_MODEL_INVALID', `${idOrFolder} is a file, not a model folder (give the folder that holds ${REQUIRED_FILES.join(', ')} and onnx/model.onnx)`);
  if (looksLocal(idOrFolder)) throw new RerankError('RERANK_MODEL_NOT_FOUND', `model folder ${idOrFolder} does not exist`);
  return 'hub';
}

/** Paths that cannot be hub ids ("./x", "/x", "a/b/c", "x.onnx") are reported as missing folders. */
function looksLocal(s: string): boolean {
  return /^[./~]/.test(s) || s.split('/').length > 2 || s.includes('\\') || /\.(onnx|json|bin|safetensors)$/i.test(s) || !/^[\w.-]+(\/[\w.-]+)?$/.test(s);
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export async function describeFolder(dir: string, dtype: string): Promise<ModelFiles> {
  for (const f of REQUIRED_FILES) {
    if (!(await exists(join(dir, f)))) throw new RerankError('RERANK_MODEL_INVALID', `${join(dir, f)} is missing; a model folder needs ${REQUIRED_FILES.join(', ')} and an ONNX file`);
  }
  const onnxRel = pickOnnx(dtype, await listFiles(dir), dir);
  return {
    dir,
    onnxPath: join(dir, onnxRel),
    tokenizerPath: join(dir, 'tokenizer.json'),
    config: await readJson(join(dir, 'config.json')),
    tokenizerConfig: (await exists(join(dir, 'tokenizer_config.json'))) ? await readJson(join(dir, 'tokenizer_config.json')) : {},
  };
}

/** Repo-relative paths of the files in a folder (two levels: root and onnx/). */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of ['', 'onnx']) {
    const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (!e.isDirectory()) out.push(relative(dir, join(dir, sub, e.name)));
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function readJson(p: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(p, 'utf8');
  } catch (e) {
    throw new RerankError('RERANK_MODEL_INVALID', `cannot read ${p}: ${fsErrorText(e)}`);
  }
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    /* reported below */
  }
  throw new RerankError('RERANK_MODEL_INVALID', `${p} is not a JSON object`);
}
