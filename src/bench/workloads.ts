import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RerankError } from '../errors.js';
import { ASSETS } from './paths.js';
import { seededRandom } from '../util/random.js';
import { fsErrorText } from '../util/fs-errors.js';

/** One benchmark request: a query and its candidate documents, all generated from a seed. */
export interface Workload {
  name: WorkloadName;
  query: string;
  docs: string[];
  /** How rerankit treats documents longer than the model's limit in this workload. */
  longDocuments: 'truncate' | 'chunk';
}

export const WORKLOADS = ['titles-1', 'titles-10', 'titles-100', 'titles-1000', 'passages-100', 'long-20'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

/** Words in, text out: sizes in words (inclusive ranges), as the issue specifies them. */
const SPECS: Record<WorkloadName, { count: number; words: [number, number]; query: [number, number]; sentences: boolean }> = {
  'titles-1': { count: 1, words: [8, 30], query: [3, 6], sentences: false },
  'titles-10': { count: 10, words: [8, 30], query: [3, 6], sentences: false },
  'titles-100': { count: 100, words: [8, 30], query: [3, 6], sentences: false },
  'titles-1000': { count: 1000, words: [8, 30], query: [3, 6], sentences: false },
  'passages-100': { count: 100, words: [100, 300], query: [4, 9], sentences: true },
  // Every word is at least one token, so 560+ words are always over 512 tokens.
  'long-20': { count: 20, words: [560, 1100], query: [4, 9], sentences: true },
};

export const DEFAULT_WORDS = join(ASSETS, 'bert-base-uncased', 'vocab.txt');

/**
 * Whole lower-case words of a WordPiece vocab.txt, in file order. BERT's vocabulary lists words roughly
 * by corpus frequency, so rank-biased sampling from it gives text that tokenizes like real English.
 */
export function loadWords(path = DEFAULT_WORDS): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RerankError('RERANK_FILE', `cannot read the word list ${path}: ${fsErrorText(e)}`);
  }
  const words = text.split('\n').map((w) => w.trim()).filter((w) => /^[a-z]{2,}$/.test(w));
  if (words.length < 100) throw new RerankError('RERANK_FILE', `${path} has fewer than 100 words`);
  return words;
}

/** The shared seeded generator (util/random.ts), so every run sees the same texts. */
export const seeded = seededRandom;

/** Builds a workload; the same (name, seed, words) always gives the same texts. */
export function makeWorkload(name: WorkloadName, words: string[], seed = 1): Workload {
  const spec = SPECS[name];
  if (!spec) throw new RerankError('RERANK_BAD_OPTION', `unknown workload "${name}" (known: ${WORKLOADS.join(', ')})`);
  const rand = seeded(seed * 1000003 + hash(name));
  const between = ([lo, hi]: [number, number]) => lo + Math.floor(rand() * (hi - lo + 1));
  const text = (n: number, sentences: boolean) => phrase(words, rand, n, sentences);
  const query = text(between(spec.query), false);
  const docs = Array.from({ length: spec.count }, () => text(between(spec.words), spec.sentences));
  return { name, query, docs, longDocuments: name === 'long-20' ? 'chunk' : 'truncate' };
}

/**
 * `n` words drawn log-uniformly by rank (Zipf-like) with a few numbers; titles also get product codes
 * ("xr512gb") that split into several word pieces, as brand and model names do; passages get sentences.
 */
export function phrase(words: string[], rand: () => number, n: number, sentences: boolean): string {
  const out: string[] = [];
  let sinceStop = 0;
  for (let i = 0; i < n; i++) {
    const r = rand();
    let w = r < 0.04 ? String(1 + Math.floor(rand() * 500)) : !sentences && r < 0.1 ? code(rand) : words[Math.floor(Math.exp(rand() * Math.log(words.length + 1))) - 1];
    sinceStop++;
    if (sentences && i < n - 1 && sinceStop > 6 && rand() < 0.08) {
      w += '.';
      sinceStop = 0;
    }
    out.push(w);
  }
  return sentences ? `${out.join(' ')}.` : out.join(' ');
}

const UNITS = ['', '', 'gb', 'mm', 'ml', 'w', 'mah', 'in'];

function code(rand: () => number): string {
  const letters = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
  return `${letters}${10 + Math.floor(rand() * 990)}${UNITS[Math.floor(rand() * UNITS.length)]}`;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Expands `all` and comma lists into workload names, rejecting unknown ones. */
export function parseWorkloads(spec: string): WorkloadName[] {
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const out = names.flatMap((n) => (n === 'all' ? [...WORKLOADS] : [n]));
  for (const n of out) if (!(WORKLOADS as readonly string[]).includes(n)) throw new RerankError('RERANK_BAD_OPTION', `unknown workload "${n}" (known: ${WORKLOADS.join(', ')}, all)`);
  if (!out.length) throw new RerankError('RERANK_BAD_OPTION', 'no workload given');
  return [...new Set(out)] as WorkloadName[];
}
