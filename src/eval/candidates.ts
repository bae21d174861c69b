import { RerankError } from '../errors.js';
import { parseJsonl } from './beir.js';
import type { CandidateList, Run } from './types.js';

function fail(line: number, why: string): never {
  throw new RerankError('RERANK_BAD_INPUT', `candidates line ${line}: ${why}`);
}

function checkCandidate(c: unknown, line: number): CandidateList['candidates'][number] {
  const o = c as Record<string, unknown>;
  if (!o || typeof o !== 'object') fail(line, 'each candidate must be an object');
  const docid = typeof o.docid === 'number' ? String(o.docid) : o.docid;
  if (typeof docid !== 'string' || docid === '') fail(line, 'candidate without a "docid"');
  if (typeof o.text !== 'string') fail(line, `candidate ${docid} has no string "text"`);
  if (o.score !== undefined && (typeof o.score !== 'number' || !Number.isFinite(o.score))) fail(line, `candidate ${docid}: "score" must be a number`);
  return { docid, text: o.text, ...(o.score !== undefined ? { score: o.score as number } : {}) };
}

/** JSONL lines `{"qid","query","candidates":[{"docid","text","score"?}]}`, validated with line numbers. */
export function parseCandidates(text: string): CandidateList[] {
  return parseJsonl(text, 'candidates').map((row, i) => {
    const o = row as Record<string, unknown>;
    const qid = typeof o?.qid === 'number' ? String(o.qid) : o?.qid;
    if (typeof qid !== 'string' || qid === '') fail(i + 1, 'missing "qid"');
    if (typeof o.query !== 'string' || o.query.trim() === '') fail(i + 1, 'missing "query"');
    if (!Array.isArray(o.candidates)) fail(i + 1, '"candidates" must be a list');
    const candidates = o.candidates.map((c) => checkCandidate(c, i + 1));
    const ids = new Set(candidates.map((c) => c.docid));
    if (ids.size !== candidates.length) fail(i + 1, `query ${qid} lists a document twice`);
    return { qid, query: o.query, candidates };
  });
}

export function formatCandidates(lists: CandidateList[]): string {
  return lists.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

/** The first-stage run the candidate lists encode: their scores, or their order when scores are absent. */
export function candidatesRun(lists: CandidateList[]): Run {
  return new Map(lists.map((l) => [l.qid, new Map(l.candidates.map((c, i) => [c.docid, c.score ?? l.candidates.length - i]))]));
}
