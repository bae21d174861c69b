import { RerankError } from '../../errors.js';
import { cjkNgramAnalyzer, cjkWordAnalyzer } from './cjk.js';
import { englishAnalyzer } from './english.js';

/** An analyzer is a plain function from text to index terms; the same one must analyze documents and queries. */
export type Analyzer = (text: string) => string[];

export { englishAnalyzer, standardTokens, removePossessive, LUCENE_ENGLISH_STOPWORDS } from './english.js';
export { porterStem } from './porter.js';
export { cjkNgramAnalyzer, cjkWordAnalyzer, CHINESE_STOP_CHARS } from './cjk.js';

/** Pre-tokenized text: split on whitespace, nothing else. */
export const whitespaceAnalyzer: Analyzer = (text) => text.split(/\s+/u).filter((t) => t !== '');

/** Names accepted by `--language`; 'auto' picks one from the documents (see detectLanguage). */
export const ANALYZER_NAMES = ['en', 'zh', 'ja', 'zh-words', 'ja-words', 'whitespace', 'auto'] as const;

const HAN = /\p{Script=Han}/gu;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const LETTER = /\p{L}/gu;

/**
 * 'ja' when kana make up ≥ 5% of letters, else 'zh' when Han does ≥ 20%, else 'en'. The sample is
 * the first 200 documents, so a Chinese corpus with English product names still counts as Chinese.
 */
export function detectLanguage(texts: string[]): 'en' | 'zh' | 'ja' {
  const sample = texts.slice(0, 200).join('\n');
  const letters = sample.match(LETTER)?.length ?? 0;
  if (letters === 0) return 'en';
  const kana = sample.match(KANA)?.length ?? 0;
  const han = sample.match(HAN)?.length ?? 0;
  if (kana / letters >= 0.05) return 'ja';
  return han / letters >= 0.2 ? 'zh' : 'en';
}

/** The analyzer for a name from ANALYZER_NAMES other than 'auto' (resolve that with detectLanguage first). */
export function getAnalyzer(name: string): Analyzer {
  switch (name) {
    case 'en':
      return (t) => englishAnalyzer(t);
    case 'zh':
      return cjkNgramAnalyzer();
    case 'ja':
      return cjkNgramAnalyzer(new Set());
    case 'zh-words':
      return cjkWordAnalyzer('zh');
    case 'ja-words':
      return cjkWordAnalyzer('ja', new Set());
    case 'whitespace':
      return whitespaceAnalyzer;
    default:
      throw new RerankError('RERANK_BAD_OPTION', `unknown language/analyzer "${name}" (known: ${ANALYZER_NAMES.join(', ')})`);
  }
}

/** Resolves 'auto' (or undefined) against the corpus, so the name can be stored with the index. */
export function resolveLanguage(name: string | undefined, texts: string[]): string {
  const n = name ?? 'auto';
  if (n === 'auto') return detectLanguage(texts);
  getAnalyzer(n); // validates the name
  return n;
}
