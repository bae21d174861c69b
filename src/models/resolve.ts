import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { RerankError } from '../errors.js';
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
  const local = await isDir(idOrFolder);
  if (local) return describeFolder(idOrFolder, opts.dtype ?? 'fp32');
  if (looksLocal(idOrFolder)) throw new RerankError('RERANK_MODEL_NOT_FOUND', `model folder ${idOrFolder} does not exist`);
  const { downloadModel } = await import('./hub.js');
  const dir = await downloadModel(idOrFolder, opts);
  return describeFolder(dir, opts.dtype ?? 'fp32');
}

/** Paths that cannot be hub ids ("./x", "/x", "a/b/c", "x.onnx") are reported as missing folders. */
function looksLocal(s: string): boolean {
  return /^[./~]/.test(s) || s.split('/').length > 2 || s.includes('\\') || !/^[\w.-]+(\/[\w.-]+)?$/.test(s);
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
    throw new RerankError('RERANK_MODEL_INVALID', `cannot read ${p}: ${(e as NodeJS.ErrnoException).code}`);
  }
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    /* reported below */
  }
  throw new RerankError('RERANK_MODEL_INVALID', `${p} is not a JSON object`);
}
