import { RerankError } from '../errors.js';
import { trecOrder } from './rank.js';
import type { Qrels, Run } from './types.js';

/** Non-blank, non-comment lines with their 1-based numbers (trec_eval skips `#` lines too). */
function* contentLines(text: string): Generator<[number, string[]]> {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    yield [i + 1, line.split(/\s+/)];
  }
}

function bad(what: string, line: number, why: string): RerankError {
  return new RerankError('RERANK_BAD_INPUT', `${what} line ${line}: ${why}`);
}

function add<T>(map: Map<string, Map<string, T>>, qid: string, docid: string, value: T): boolean {
  let inner = map.get(qid);
  if (!inner) map.set(qid, (inner = new Map()));
  if (inner.has(docid)) return false;
  inner.set(docid, value);
  return true;
}

/** `qid iter docid rel` lines; rel is read like C's atol (integer part), as trec_eval does. */
export function parseQrels(text: string, what = 'qrels'): Qrels {
  const qrels: Qrels = new Map();
  for (const [n, f] of contentLines(text)) {
    if (f.length !== 4) throw bad(what, n, `expected "qid iter docid relevance", got ${f.length} fields`);
    const rel = Number.parseInt(f[3], 10);
    if (Number.isNaN(rel)) throw bad(what, n, `relevance "${f[3]}" is not a number`);
    if (!add(qrels, f[0], f[2], rel)) throw bad(what, n, `duplicate judgment for query ${f[0]}, document ${f[2]}`);
  }
  return qrels;
}

/** `qid Q0 docid rank score tag` lines; the rank column is ignored, as in trec_eval. */
export function parseRun(text: string, what = 'run'): Run {
  const run: Run = new Map();
  for (const [n, f] of contentLines(text)) {
    if (f.length < 6) throw bad(what, n, `expected "qid Q0 docid rank score tag", got ${f.length} fields`);
    const score = Number.parseFloat(f[4]);
    if (!Number.isFinite(score)) throw bad(what, n, `score "${f[4]}" is not a number`);
    if (!add(run, f[0], f[2], score)) throw bad(what, n, `document ${f[2]} appears twice for query ${f[0]}`);
  }
  return run;
}

/** Writes a run in TREC format, each query in trec_eval's order, ranks from 1. */
export function formatRun(run: Run, tag = 'rerankit'): string {
  const out: string[] = [];
  for (const [qid, scores] of run) {
    trecOrder(scores).forEach((docid, i) => out.push(`${qid} Q0 ${docid} ${i + 1} ${scores.get(docid)} ${tag}`));
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** Topics: Anserini's `qid<TAB>text` TSV or classic SGML `<top><num> ... <title> ...` files. */
export function parseTopics(text: string): Map<string, string> {
  return /<top>/i.test(text) ? parseSgmlTopics(text) : parseTsvTopics(text);
}

function parseTsvTopics(text: string): Map<string, string> {
  const topics = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const tab = line.indexOf('\t');
    if (tab < 0) throw bad('topics', i + 1, 'expected "qid<TAB>query"');
    topics.set(line.slice(0, tab).trim(), line.slice(tab + 1).trim());
  });
  return topics;
}

function parseSgmlTopics(text: string): Map<string, string> {
  const topics = new Map<string, string>();
  for (const block of text.split(/<top>/i).slice(1)) {
    const num = /<num>\s*(?:Number:)?\s*(\S+)/i.exec(block)?.[1];
    const title = /<title>\s*(?:Topic:)?([\s\S]*?)(?=<\/?\w+>|$)/i.exec(block)?.[1];
    if (num && title) topics.set(num, title.replace(/\s+/g, ' ').trim());
  }
  return topics;
}

/** A run from ranked lists (first = best): scores descend so any TREC tool keeps the order. */
export function runFromRankings(rankings: Map<string, string[]>): Run {
  const run: Run = new Map();
  for (const [qid, ids] of rankings) run.set(qid, new Map(ids.map((id, i) => [id, ids.length - i])));
  return run;
}
