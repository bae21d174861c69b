import { porterStem } from './porter.js';

/**
 * Anserini's DefaultEnglishAnalyzer as a plain function: StandardTokenizer (Unicode UAX#29 word
 * boundaries, here via ICU's Intl.Segmenter) → EnglishPossessiveFilter → LowerCaseFilter →
 * StopFilter (Lucene's 33 English stop words) → PorterStemFilter.
 */
export const LUCENE_ENGLISH_STOPWORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not',
  'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was',
  'will', 'with',
]);

const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });
/** Lucene's StandardTokenizer emits each CJK ideograph, hiragana and hangul syllable run differently from ICU's dictionary. */
const IDEOGRAPH = /[\p{Script=Han}\p{Script=Hiragana}]/u;
/** StandardTokenizer's default maximum token length; longer tokens are split. */
const MAX_TOKEN = 255;

/**
 * UAX#29 for ASCII: letters/digits/underscore joined across one ':' '.' "'" between letters or one
 * ',' ';' '.' "'" between digits (rules WB5-WB13b). ICU's segmenter is ~10x slower, so ASCII chunks
 * take this path; the retrieval tests check both give the same tokens.
 */
const ASCII_WORD = /[A-Za-z0-9_]+(?:(?:(?<=[A-Za-z])[:.'](?=[A-Za-z])|(?<=[0-9])[,;.'](?=[0-9]))[A-Za-z0-9_]+)*/g;
const ASCII_ONLY = /^[\x00-\x7f]*$/;
const ALNUM = /[A-Za-z0-9]/;
const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;

/** UAX#29 words of `text` as Lucene's StandardTokenizer emits them (no case change). */
export function standardTokens(text: string): string[] {
  const out: string[] = [];
  // Words never span ASCII whitespace, so chunks can be segmented independently.
  for (const chunk of text.split(/[ \t\n\r]+/)) {
    if (!ASCII_ONLY.test(chunk)) icuTokens(chunk, out);
    else for (const m of chunk.matchAll(ASCII_WORD)) if (ALNUM.test(m[0])) pushToken(m[0], out);
  }
  return out;
}

function pushToken(w: string, out: string[]): void {
  if (w.length > MAX_TOKEN) for (let i = 0; i < w.length; i += MAX_TOKEN) out.push(w.slice(i, i + MAX_TOKEN));
  else out.push(w);
}

/** The general path: ICU word boundaries (Intl.Segmenter). */
export function icuTokens(text: string, out: string[] = []): string[] {
  for (const s of wordSegmenter.segment(text)) {
    // Lucene ignores runs of connector punctuation alone ("__"), which ICU calls word-like.
    if (!s.isWordLike || !LETTER_OR_NUMBER.test(s.segment)) continue;
    const w = s.segment;
    if (IDEOGRAPH.test(w)) splitIdeographs(w, out);
    else pushToken(w, out);
  }
  return out;
}

/** Lucene emits one token per Han/Hiragana character, keeping runs of other letters together. */
function splitIdeographs(w: string, out: string[]): void {
  let run = '';
  for (const ch of w) {
    if (IDEOGRAPH.test(ch)) {
      if (run) out.push(run);
      run = '';
      out.push(ch);
    } else run += ch;
  }
  if (run) out.push(run);
}

/** EnglishPossessiveFilter: drops a trailing 's (also with ’ or ＇), case-sensitively as Lucene does. */
export function removePossessive(token: string): string {
  const n = token.length;
  if (n >= 2 && (token[n - 1] === 's' || token[n - 1] === 'S')) {
    const q = token[n - 2];
    if (q === "'" || q === '\u2019' || q === '\uFF07') return token.slice(0, n - 2);
  }
  return token;
}

export interface EnglishOptions {
  /** Stop words to drop (default: Lucene's English set); pass an empty set to keep all. */
  stopwords?: ReadonlySet<string>;
  /** Porter stemming (default true). */
  stem?: boolean;
}

/** Vocabulary is Zipfian: memoising stems makes stemming ~5x cheaper; the cap bounds memory. */
const stemCache = new Map<string, string>();

function cachedStem(t: string): string {
  let s = stemCache.get(t);
  if (s === undefined) {
    if (stemCache.size >= 500_000) stemCache.clear();
    s = porterStem(t);
    stemCache.set(t, s);
  }
  return s;
}

/** The English analyzer: text → index terms. */
export function englishAnalyzer(text: string, options: EnglishOptions = {}): string[] {
  const stop = options.stopwords ?? LUCENE_ENGLISH_STOPWORDS;
  const stem = options.stem ?? true;
  const out: string[] = [];
  for (const tok of standardTokens(text)) {
    const t = removePossessive(tok).toLowerCase();
    if (t === '' || stop.has(t)) continue;
    out.push(stem ? cachedStem(t) : t);
  }
  return out;
}
