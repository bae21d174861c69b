import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RerankError } from '../errors.js';
import { fsErrorText } from '../util/fs-errors.js';
import type { Dataset, Doc, Qrels } from './types.js';

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new RerankError('RERANK_FILE', `cannot read ${path}: ${fsErrorText(e)}`);
  }
}

/** Parses JSON Lines, naming the file and line of the first bad one. */
export function parseJsonl(text: string, what: string): unknown[] {
  const out: unknown[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch {
      throw new RerankError('RERANK_BAD_INPUT', `${what} line ${i + 1}: not valid JSON`);
    }
  });
  return out;
}

type Row = Record<string, unknown>;
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** BEIR's document text for retrieval: title + " " + text (what Anserini and BEIR index). */
export function docText(d: { title?: string; text: string }): string {
  return d.title ? `${d.title} ${d.text}` : d.text;
}

/** BEIR qrels TSV: a `query-id corpus-id score` header, then one judgment per line. */
export function parseBeirQrels(text: string, what: string): Qrels {
  const qrels: Qrels = new Map();
  text.split(/\r?\n/).forEach((line, i) => {
    const f = line.trim().split(/\t|\s+/);
    if (f.length < 3 || (i === 0 && !/^-?\d+$/.test(f[2]))) return; // blank or header
    const rel = Number.parseInt(f[2], 10);
    if (Number.isNaN(rel)) throw new RerankError('RERANK_BAD_INPUT', `${what} line ${i + 1}: score "${f[2]}" is not a number`);
    if (!qrels.has(f[0])) qrels.set(f[0], new Map());
    qrels.get(f[0])!.set(f[1], rel);
  });
  return qrels;
}

/** Loads a BEIR folder: corpus.jsonl, queries.jsonl and qrels/<split>.tsv (default test). */
export async function loadBeir(dir: string, split = 'test'): Promise<Dataset> {
  const qrelsPath = join(dir, 'qrels', `${split}.tsv`);
  if (!existsSync(qrelsPath)) {
    const have = existsSync(join(dir, 'qrels')) ? (await readdir(join(dir, 'qrels'))).join(', ') : 'no qrels folder';
    throw new RerankError('RERANK_FILE', `${qrelsPath} not found (${have})`);
  }
  const qrels = parseBeirQrels(await readText(qrelsPath), qrelsPath);
  const docs: Doc[] = (parseJsonl(await readText(join(dir, 'corpus.jsonl')), 'corpus.jsonl') as Row[]).map((r) => ({
    id: str(r._id),
    title: str(r.title) || undefined,
    text: str(r.text),
  }));
  const queries = new Map<string, string>();
  for (const r of parseJsonl(await readText(join(dir, 'queries.jsonl')), 'queries.jsonl') as Row[]) {
    if (qrels.has(str(r._id))) queries.set(str(r._id), str(r.text)); // BEIR evaluates only judged queries
  }
  return { name: basename(dir), docs, queries, qrels };
}
