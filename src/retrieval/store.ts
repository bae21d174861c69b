import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RerankError } from '../errors.js';
import { fsErrorText, isSystemError } from '../util/fs-errors.js';
import type { Bm25Data } from './bm25.js';
import type { Corpus } from './retrievers.js';

/**
 * On-disk index layout (crash-safe):
 *   <dir>/CURRENT         name of the live generation, replaced atomically by rename(2)
 *   <dir>/gen-<id>/       manifest.json, corpus.json, bm25.*, vectors.*
 * A save writes a complete new generation under a temporary name, renames it into place, then
 * swaps CURRENT. A crash at any point leaves CURRENT naming the previous, complete generation.
 * Typed arrays are stored raw so a load is a few reads with no parsing.
 */
export interface IndexManifest {
  format: 'rerankit-index';
  version: 1;
  kind: 'bm25' | 'vector' | 'hybrid';
  documents: number;
  createdAt: string;
  bm25?: { language: string; k1: number; b: number; totalTokens: number; docCount: number };
  vector?: { model: string; dim: number; ann: boolean };
}

export interface IndexFiles {
  manifest: IndexManifest;
  corpus: Corpus;
  bm25?: Bm25Data;
  vectors?: Float32Array;
  /** Path of a saved usearch graph (load), or a writer for it (save). */
  annPath?: string;
  saveAnn?: (path: string) => void;
}

export interface SaveHooks {
  /** Called after each file of the new generation is written (tests use it to crash mid-write). */
  afterFile?: (name: string) => Promise<void> | void;
}

const CURRENT = 'CURRENT';

export async function saveIndex(dir: string, idx: IndexFiles, hooks: SaveHooks = {}): Promise<void> {
  await prepareIndexDir(dir);
  try {
    await writeGeneration(dir, idx, hooks);
  } catch (e) {
    if (e instanceof RerankError || !isSystemError(e)) throw e;
    throw new RerankError('RERANK_FILE', `cannot write the index into ${dir}: ${fsErrorText(e)}`, { cause: e });
  }
}

async function writeGeneration(dir: string, idx: IndexFiles, hooks: SaveHooks): Promise<void> {
  const gen = `gen-${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(dir, `.tmp-${gen}`);
  await mkdir(tmp);
  const put = async (name: string, data: string | Uint8Array): Promise<void> => {
    await writeDurable(join(tmp, name), data);
    await hooks.afterFile?.(name);
  };
  await put('corpus.json', JSON.stringify(idx.corpus));
  if (idx.bm25) await writeBm25(idx.bm25, put);
  if (idx.vectors) await put('vectors.f32', bytes(idx.vectors));
  if (idx.saveAnn) idx.saveAnn(join(tmp, 'vectors.usearch'));
  await put('manifest.json', JSON.stringify(idx.manifest, null, 2));
  await rename(tmp, join(dir, gen));
  await writeDurable(join(dir, `${CURRENT}.tmp`), gen);
  await rename(join(dir, `${CURRENT}.tmp`), join(dir, CURRENT)); // the commit point
  await syncDir(dir);
  await removeStale(dir, gen);
}

async function writeBm25(b: Bm25Data, put: (name: string, data: string | Uint8Array) => Promise<void>): Promise<void> {
  await put('bm25.terms.json', JSON.stringify(b.terms));
  await put('bm25.offsets.u32', bytes(b.offsets));
  await put('bm25.docs.u32', bytes(b.docs));
  await put('bm25.tfs.u32', bytes(b.tfs));
  await put('bm25.norms.u8', b.norms);
}

export async function loadIndex(dir: string): Promise<IndexFiles> {
  const gen = await readFile(join(dir, CURRENT), 'utf8').catch(() => {
    throw new RerankError('RERANK_NOT_FOUND', `${dir} is not a rerankit index (no ${CURRENT} file); build one with "rerankit index"`);
  });
  const g = join(dir, gen.trim());
  const manifest = JSON.parse(await readFile(join(g, 'manifest.json'), 'utf8')) as IndexManifest;
  if (manifest.format !== 'rerankit-index' || manifest.version !== 1) throw new RerankError('RERANK_FILE', `${g} has an unknown index format`);
  const corpus = JSON.parse(await readFile(join(g, 'corpus.json'), 'utf8')) as Corpus;
  const out: IndexFiles = { manifest, corpus };
  if (manifest.bm25) {
    const [terms, offsets, docs, tfs, norms] = await Promise.all([
      readFile(join(g, 'bm25.terms.json'), 'utf8').then((t) => JSON.parse(t) as string[]),
      readU32(join(g, 'bm25.offsets.u32')), readU32(join(g, 'bm25.docs.u32')), readU32(join(g, 'bm25.tfs.u32')),
      readFile(join(g, 'bm25.norms.u8')).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.length)),
    ]);
    out.bm25 = { terms, offsets, docs, tfs, norms, totalTokens: manifest.bm25.totalTokens, docCount: manifest.bm25.docCount };
  }
  if (manifest.vector) {
    out.vectors = await readF32(join(g, 'vectors.f32'));
    if (manifest.vector.ann) out.annPath = join(g, 'vectors.usearch');
  }
  return out;
}

/**
 * Creates the index folder, or checks that an existing one is empty or already an index (never clobber
 * user files). Call it before a long build to fail early; saveIndex calls it too. A path that cannot be
 * a folder (under a file, in /proc, read-only) is RERANK_FILE in words.
 */
export async function prepareIndexDir(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (!st) return makeDir(dir);
  if (!st.isDirectory()) throw new RerankError('RERANK_BAD_OPTION', `${dir} exists and is not a folder`);
  const entries = await readdir(dir);
  if (entries.length && !entries.includes(CURRENT) && !entries.every((e) => e.startsWith('.tmp-gen-'))) {
    throw new RerankError('RERANK_BAD_OPTION', `${dir} is not empty and not a rerankit index; refusing to overwrite it`);
  }
  await access(dir, constants.W_OK).catch((e: unknown) => {
    throw new RerankError('RERANK_FILE', `cannot write into ${dir}: ${fsErrorText(e)}`);
  });
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir loops forever where a file system answers
 * ENOENT for a folder whose parent exists (/proc/x), so each missing parent is made explicitly.
 */
async function makeDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    const st = await stat(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
      throw new RerankError('RERANK_FILE', `cannot create the folder ${dir}: ${fsErrorText(e)}`);
    });
    if (st) {
      if (!st.isDirectory()) throw new RerankError('RERANK_FILE', `cannot create the folder ${dir}: ${d} is a file, not a folder`);
      break;
    }
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    await mkdir(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return;
      // ENOENT although the parent exists: a file system that holds no user folders (/proc, /sys).
      const why = e.code === 'ENOENT' ? `the file system of ${dirname(d)} does not allow new folders` : fsErrorText(e);
      throw new RerankError('RERANK_FILE', `cannot create the folder ${dir}: ${why}`);
    });
  }
}

/** Drops older generations and temporaries left by crashed saves (a single writer per index is assumed). */
async function removeStale(dir: string, keep: string): Promise<void> {
  for (const e of await readdir(dir)) {
    if (e !== keep && (e.startsWith('gen-') || e.startsWith('.tmp-gen-'))) await rm(join(dir, e), { recursive: true, force: true });
  }
}

async function writeDurable(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(path, data);
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function bytes(a: Uint32Array | Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

async function readU32(path: string): Promise<Uint32Array> {
  const b = await readFile(path);
  return b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length / 4) : new Uint32Array(new Uint8Array(b).buffer);
}

async function readF32(path: string): Promise<Float32Array> {
  const b = await readFile(path);
  return b.byteOffset % 4 === 0 ? new Float32Array(b.buffer, b.byteOffset, b.length / 4) : new Float32Array(new Uint8Array(b).buffer);
}
