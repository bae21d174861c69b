/**
 * Words of a text with their offsets, spans of consecutive words, and the text with a span removed:
 * what occlusion takes out and what a UI highlights. Words are ICU's word-like segments
 * (Intl.Segmenter), so Chinese and Japanese split into dictionary words, not characters or nothing.
 */

export interface Span {
  start: number;
  end: number;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/** Word-like segments (letters, digits, ideographs) in text order; punctuation and spaces are not words. */
export function words(text: string): Span[] {
  const out: Span[] = [];
  for (const s of segmenter.segment(text)) {
    if (s.isWordLike) out.push({ start: s.index, end: s.index + s.segment.length });
  }
  return out;
}

/** Groups words into spans of `size` consecutive words (the last may be shorter). */
export function groupWords(ws: Span[], size: number): Span[] {
  const out: Span[] = [];
  for (let i = 0; i < ws.length; i += size) out.push({ start: ws[i]!.start, end: ws[Math.min(i + size, ws.length) - 1]!.end });
  return out;
}

/** The smallest span size that makes at most `count` spans of `n` words. */
export function spanSize(n: number, count: number): number {
  return count <= 0 ? n : Math.max(1, Math.ceil(n / count));
}

/**
 * `text` without the span and one of the spaces around it, so "a b c" minus "b" is "a c" (a cut
 * between ideographs leaves nothing behind, as there was no space).
 */
export function without(text: string, s: Span): string {
  let { start, end } = s;
  if (/\s/.test(text[end] ?? '')) end++;
  else if (/\s/.test(text[start - 1] ?? '')) start--;
  return text.slice(0, start) + text.slice(end);
}
