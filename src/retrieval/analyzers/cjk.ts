import { LUCENE_ENGLISH_STOPWORDS, removePossessive } from './english.js';
import { porterStem } from './porter.js';

/**
 * Chinese / Japanese analyzers. Two families, both measured on XQuAD-R zh (docs/retrieval.md):
 * - n-grams (the default for zh/ja): every letter or digit as a unigram plus every adjacent pair as a
 *   bigram, dropping a few Chinese function characters as unigrams. Robust to unknown names and to
 *   segmentation disagreements between query and document; it measured best (0.838 nDCG@10).
 * - words: ICU dictionary segmentation (Intl.Segmenter), with Latin words in mixed text sent through
 *   the English chain, so "BERT模型" and "BERT models" share the term "bert" (0.832).
 */

/** Single characters that carry no topic in Chinese (particles, copula, question words). */
export const CHINESE_STOP_CHARS: ReadonlySet<string> = new Set([...'的了在是和与及或也都而被把对于从以之其这那有个为中上下着过吗呢吧啊么哪谁何几']);

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * Character unigrams + bigrams over all letters and digits (punctuation and spaces are skipped, and
 * bigrams span them, which measured slightly better than breaking at punctuation: 0.838 vs 0.834).
 */
export function cjkNgramAnalyzer(stopChars: ReadonlySet<string> = CHINESE_STOP_CHARS): (text: string) => string[] {
  return (text) => {
    const chars = [...text.toLowerCase()].filter((c) => LETTER_OR_DIGIT.test(c));
    const out = chars.filter((c) => !stopChars.has(c));
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
    return out;
  };
}

function latinTerm(word: string): string | undefined {
  const t = removePossessive(word).toLowerCase();
  return t === '' || LUCENE_ENGLISH_STOPWORDS.has(t) ? undefined : porterStem(t);
}

/** ICU dictionary words; multi-character CJK words also add their characters (unigrams) for recall. */
export function cjkWordAnalyzer(locale: string, stopChars: ReadonlySet<string> = CHINESE_STOP_CHARS): (text: string) => string[] {
  const seg = new Intl.Segmenter(locale, { granularity: 'word' });
  return (text) => {
    const out: string[] = [];
    for (const s of seg.segment(text)) {
      if (!s.isWordLike) continue;
      if (!CJK.test(s.segment)) {
        const t = latinTerm(s.segment);
        if (t) out.push(t);
        continue;
      }
      const w = s.segment.toLowerCase();
      const chars = [...w];
      if (chars.length > 1) out.push(w);
      out.push(...chars.filter((c) => !stopChars.has(c)));
    }
    return out;
  };
}
