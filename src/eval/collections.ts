import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { RerankError } from '../errors.js';
import { readText } from './beir.js';
import { csvRecords, pythonStrings } from './csv.js';
import { parseQrels, parseTopics } from './trec.js';
import type { CandidateList, Dataset } from './types.js';

function tsvPairs(text: string): [string, string][] {
  return text.split(/\r?\n/).filter((l) => l.includes('\t')).map((l) => {
    const tab = l.indexOf('\t');
    return [l.slice(0, tab).trim(), l.slice(tab + 1).trim()];
  });
}

/** NovelEval-2306: 21 queries × 20 passages (docid "<qid>-<n>"), graded 0–2. */
export async function loadNovelEval(dir: string): Promise<Dataset> {
  const docs = tsvPairs(await readText(join(dir, 'corpus.tsv'))).map(([id, text]) => ({ id, text }));
  const queries = new Map(tsvPairs(await readText(join(dir, 'queries.tsv'))));
  const qrels = parseQrels(await readText(join(dir, 'qrels.txt')), 'qrels.txt');
  const ds: Dataset = { name: 'noveleval', docs, queries, qrels };
  return { ...ds, candidates: novelEvalCandidates(ds) };
}

/** NovelEval's own candidate lists: each query's 20 passages in their search-engine order. */
export function novelEvalCandidates(ds: Dataset): CandidateList[] {
  return [...ds.queries].map(([qid, query]) => {
    const hits = ds.docs.filter((d) => d.id.startsWith(`${qid}-`));
    hits.sort((a, b) => Number(a.id.split('-')[1]) - Number(b.id.split('-')[1]));
    return { qid, query, candidates: hits.map((d, i) => ({ docid: d.id, text: d.text, score: 1 / (i + 1) })) };
  });
}

function findFile(dir: string, test: (name: string) => boolean, what: string): string {
  const name = readdirSync(dir).find(test);
  if (!name) throw new RerankError('RERANK_FILE', `${what} not found in ${dir}`);
  return join(dir, name);
}

/**
 * BEIR SciFact (test) from scifact.zip (HF allenai/scifact CSV export) plus Anserini's qrels and topics.
 * Document text follows BEIR: the abstract's sentences joined by single spaces; the title stays separate.
 */
export async function loadSciFact(dir: string): Promise<Dataset> {
  const { default: AdmZip } = await import('adm-zip');
  const zip = new AdmZip(findFile(dir, (n) => n.endsWith('.zip'), 'scifact zip'));
  const corpus = zip.readAsText('corpus_train.csv');
  if (!corpus) throw new RerankError('RERANK_FILE', 'corpus_train.csv missing from the scifact zip');
  const docs = csvRecords(corpus).map((r) => ({ id: r.doc_id, title: r.title, text: pythonStrings(r.abstract).join(' ') }));
  const qrels = parseQrels(await readText(findFile(dir, (n) => /^qrels.*\.txt$/.test(n), 'qrels')), 'scifact qrels');
  const topicsPath = findFile(dir, (n) => n.startsWith('topics'), 'topics');
  const raw = await readFile(topicsPath);
  const topics = parseTopics((topicsPath.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
  const queries = new Map([...topics].filter(([qid]) => qrels.has(qid)));
  return { name: 'scifact', docs, queries, qrels };
}

export const isSciFactDir = (dir: string): boolean => existsSync(dir) && readdirSync(dir).some((n) => /scifact.*\.zip$/.test(n));
