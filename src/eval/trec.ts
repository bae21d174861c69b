import { RerankError } from '../errors.js';
import { parseBeirQrels } from './beir.js';
import { trecOrder } from './rank.js';
import { parseQrelsBytes, parseSubtopicQrelsBytes, readRunBytes } from './trec-read.js';
import type { Qrels, Run, RunTable, SubtopicQrels } from './types.js';

/** `qid iter docid rel` lines, read as trec_eval reads them (see trec-read.ts): rel like C's atol. */
export function parseQrels(text: string | Uint8Array, what = 'qrels'): Qrels {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  // BEIR's qrels/<split>.tsv (what scripts/scifact-to-beir.ts writes): its `query-id` header tells it apart.
  if (/^(\uFEFF)?query-id\t/.test(Buffer.from(bytes.subarray(0, 16)).toString('utf8'))) return parseBeirQrels(Buffer.from(bytes).toString('utf8'), what);
  return parseQrelsBytes(bytes, what);
}

/** Diversity qrels, `qid subtopic docid rel` (the ndeval format alpha-nDCG reads). */
export function parseSubtopicQrels(text: string | Uint8Array, what = 'subtopic qrels'): SubtopicQrels {
  return parseSubtopicQrelsBytes(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, what);
}

/**
 * `qid Q0 docid rank score tag` lines; the rank column is ignored and the score read with atof, as in
 * trec_eval. A document listed twice for a query keeps its first score; the repeats go to
 * `run.duplicates`, since trec_eval refuses them only in a query it evaluates.
 */
export function parseRun(text: string | Uint8Array, what = 'run'): Run {
  return runFromTable(readRunBytes(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, what));
}

/** The Map form of a columnar run (duplicates and runid kept aside). */
export function runFromTable(table: RunTable): Run {
  const run: Run = new Map();
  hidden(run, 'runid', table.runid);
  hidden(run, 'source', table.source);
  for (const [qid, t] of table.topics) {
    const scores = new Map<string, number>();
    for (let i = 0; i < t.docs.length; i++) {
      if (!scores.has(t.docs[i])) scores.set(t.docs[i], t.sims[i]);
      else {
        let dups = run.duplicates;
        if (!dups) hidden(run, 'duplicates', (dups = new Map()));
        let extra = dups.get(qid);
        if (!extra) dups.set(qid, (extra = []));
        extra.push([t.docs[i], t.sims[i]]);
      }
    }
    run.set(qid, scores);
  }
  return run;
}

/** Metadata kept on a Run or Qrels map without being one of its enumerable fields (deepEqual, JSON ignore it). */
export function hidden<T extends object, K extends string>(target: T, key: K, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

function bad(what: string, line: number, why: string): RerankError {
  return new RerankError('RERANK_BAD_INPUT', `${what} line ${line}: ${why}`);
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
