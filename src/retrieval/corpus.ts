import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RerankError } from '../errors.js';
import { fsErrorText } from '../util/fs-errors.js';

export interface CorpusDoc {
  id: string;
  text: string;
}

/**
 * Reads documents for indexing: a BEIR folder (its corpus.jsonl), a JSONL file whose lines have an id
 * (`_id`, `id` or `docid`) and `text` or `contents` (plus an optional `title`), or a TSV of id<TAB>text.
 * A title is joined as title + " " + text, the BEIR/Anserini "flat" document.
 */
export async function readCorpus(path: string): Promise<CorpusDoc[]> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new RerankError('RERANK_FILE', `${path} does not exist`);
  const file = st.isDirectory() ? join(path, 'corpus.jsonl') : path;
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new RerankError('RERANK_FILE', `cannot read ${file}: ${fsErrorText(e)}`);
  });
  // Blank lines (and a byte order mark) are skipped; the others keep their line numbers in messages.
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l, i) => [l, i] as const).filter(([l]) => l.trim() !== '');
  return file.endsWith('.tsv') ? lines.map(([l, i]) => tsvDoc(l, i, file)) : lines.map(([l, i]) => jsonDoc(l, i, file));
}

function jsonDoc(line: string, i: number, file: string): CorpusDoc {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new RerankError('RERANK_FILE', `${file}:${i + 1} is not JSON`);
  }
  const id = o._id ?? o.id ?? o.docid;
  const body = o.text ?? o.contents;
  if ((typeof id !== 'string' && typeof id !== 'number') || typeof body !== 'string') {
    throw new RerankError('RERANK_FILE', `${file}:${i + 1} needs an id (_id, id or docid) and a string "text" or "contents"`);
  }
  const title = typeof o.title === 'string' ? o.title : '';
  return { id: String(id), text: title ? `${title} ${body}` : body };
}

function tsvDoc(line: string, i: number, file: string): CorpusDoc {
  const tab = line.indexOf('\t');
  if (tab < 0) throw new RerankError('RERANK_FILE', `${file}:${i + 1} is not id<TAB>text`);
  return { id: line.slice(0, tab), text: line.slice(tab + 1) };
}

/** Queries for batch search: BEIR queries.jsonl ({_id, text}) or TSV qid<TAB>text. */
export async function readQueries(path: string): Promise<{ id: string; text: string }[]> {
  const docs = await readCorpus(path);
  return docs.map((d) => ({ id: d.id, text: d.text }));
}
