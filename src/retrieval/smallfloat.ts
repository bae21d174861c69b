/**
 * Lucene's SmallFloat int↔byte codec for document lengths (BM25 norms). Lucene stores each
 * document's length in one byte: exact up to 23 tokens, then 4 significant bits. Anserini's BM25
 * scores use the decoded (lossy) length, so reproducing its rankings needs the same codec.
 */

/** 255 - longToInt4(Integer.MAX_VALUE): byte values below this encode lengths exactly. */
const NUM_FREE_VALUES = 24;

function longToInt4(i: number): number {
  const numBits = i === 0 ? 0 : Math.floor(Math.log2(i)) + 1;
  if (numBits < 4) return i;
  const shift = numBits - 4;
  let encoded = Math.floor(i / 2 ** shift) & 0x07; // keep the 4 most significant bits, drop the implicit one
  encoded |= (shift + 1) << 3;
  return encoded;
}

function int4ToLong(i: number): number {
  const bits = i & 0x07;
  const shift = (i >>> 3) - 1;
  return shift === -1 ? bits : (bits | 0x08) * 2 ** shift;
}

/** SmallFloat.intToByte4: a document length → its one-byte norm (0..255). */
export function intToByte4(i: number): number {
  if (!Number.isInteger(i) || i < 0) throw new RangeError(`length must be a non-negative integer, got ${i}`);
  return i < NUM_FREE_VALUES ? i : NUM_FREE_VALUES + longToInt4(i - NUM_FREE_VALUES);
}

/** SmallFloat.byte4ToInt: a one-byte norm → the length BM25 uses. */
export function byte4ToInt(b: number): number {
  const i = b & 0xff;
  return i < NUM_FREE_VALUES ? i : NUM_FREE_VALUES + int4ToLong(i - NUM_FREE_VALUES);
}

/** Decoded length of every byte value (Lucene's BM25Similarity.LENGTH_TABLE). */
export const LENGTH_TABLE: readonly number[] = Array.from({ length: 256 }, (_, i) => byte4ToInt(i));
