import { RerankError } from '../errors.js';
import { cAtof, cAtol } from './c-number.js';
import type { Qrels, RunTable, SubtopicQrels, TopicRun } from './types.js';

/**
 * Readers of TREC files over bytes, as trec_eval reads them (get_qrels.c, get_trec_results.c): fields
 * split on C's isspace, `#` lines are comments, a run's score is read with atof and a judgment with atol,
 * a run line may have more than six fields (the rest is ignored), the runid is the tag of the last line.
 * They also skip blank lines (trec_eval refuses them in qrels) and give the file's line number on error.
 * RunReader takes a file in chunks, so runs larger than a JavaScript string can hold are fine.
 */

const SPACE = new Uint8Array(256);
for (const c of [9, 10, 11, 12, 13, 32]) SPACE[c] = 1;
const NL = 10;
const HASH = 35;

/** One line's field boundaries: starts[i], ends[i]; count = number of fields found (at most `max`). */
interface Fields {
  starts: Int32Array;
  ends: Int32Array;
  count: number;
  /** A byte >= 0x80 in the field (decode it as UTF-8; ASCII fields decode faster as latin1). */
  wide: number;
}

function splitLine(buf: Uint8Array, start: number, end: number, max: number, f: Fields): void {
  let i = start;
  let n = 0;
  f.wide = 0;
  while (n < max) {
    while (i < end && SPACE[buf[i]]) i++;
    if (i >= end) break;
    f.starts[n] = i;
    while (i < end && !SPACE[buf[i]]) {
      if (buf[i] >= 0x80) f.wide |= 1 << n;
      i++;
    }
    f.ends[n++] = i;
  }
  // Count one more field when the line goes on (qrels lines must have exactly four).
  if (n === max) {
    while (i < end && SPACE[buf[i]]) i++;
    if (i < end) n++;
  }
  f.count = n;
}

function text(buf: Buffer, f: Fields, k: number): string {
  return buf.toString(f.wide & (1 << k) ? 'utf8' : 'latin1', f.starts[k], f.ends[k]);
}

/**
 * atof of a score field: plain decimals of up to 15 significant digits are read exactly here (the
 * integer and the power of ten are both exact doubles, so one division rounds correctly, as strtod
 * does); anything else goes through cAtof.
 */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

function readSim(buf: Buffer, start: number, end: number): number {
  let i = start;
  const neg = buf[i] === 45;
  if (neg || buf[i] === 43) i++;
  let mant = 0;
  let nd = 0;
  let sig = 0;
  let frac = 0;
  let seenDot = false;
  for (; i < end; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) {
      nd++;
      if (sig > 0 || c !== 48) sig++;
      mant = mant * 10 + (c - 48);
      if (seenDot) frac++;
    } else if (c === 46 && !seenDot) seenDot = true;
    else break;
  }
  if (i === end && nd > 0 && sig <= 15 && frac <= 22) {
    const v = frac ? mant / POW10[frac] : mant;
    return neg ? -v : v;
  }
  return cAtof(buf.toString('latin1', start, end));
}

function bad(what: string, line: number, why: string): RerankError {
  return new RerankError('RERANK_BAD_INPUT', `${what} line ${line}: ${why}`);
}

/** Calls `onLine(buf, start, end, lineNo)` for each line of chunks fed in order. */
class LineSplitter {
  private carry: Buffer | undefined;
  private lineNo = 0;
  constructor(private readonly onLine: (buf: Buffer, start: number, end: number, lineNo: number) => void) {}

  feed(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let from = 0;
    if (this.carry) {
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, buf]);
        return;
      }
      const line = Buffer.concat([this.carry, buf.subarray(0, nl)]);
      this.carry = undefined;
      this.onLine(line, 0, line.length, ++this.lineNo);
      from = nl + 1;
    }
    let nl = buf.indexOf(NL, from);
    while (nl >= 0) {
      this.onLine(buf, from, nl, ++this.lineNo);
      from = nl + 1;
      nl = buf.indexOf(NL, from);
    }
    if (from < buf.length) this.carry = Buffer.from(buf.subarray(from)); // copied: the caller may reuse its buffer
  }

  end(): void {
    if (this.carry) {
      const line = this.carry;
      this.carry = undefined;
      this.onLine(line, 0, line.length, ++this.lineNo);
    }
  }
}

/** Buffer's unchecked slice decoders (what toString calls after checking its arguments). */
interface FastSlices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
const decode = (buf: Buffer, start: number, end: number, wide: boolean): string =>
  wide ? (buf as unknown as FastSlices).utf8Slice(start, end) : (buf as unknown as FastSlices).latin1Slice(start, end);

/**
 * Streaming reader of a TREC run (`qid Q0 docid rank score tag`) into a RunTable. One pass over each
 * chunk's bytes finds the fields and the line ends together (runs have millions of lines).
 */
export class RunReader {
  private readonly table: RunTable;
  private carry: Buffer | undefined;
  private lineNo = 0;
  private lastQid = Buffer.alloc(0);
  private topic: TopicRun | undefined;

  constructor(private readonly what = 'run') {
    this.table = { topics: new Map(), runid: '', source: what };
  }

  /** Feeds the next bytes of the file; the caller may reuse `chunk` afterwards. */
  feed(chunk: Uint8Array): void {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry) {
      // The line cut at the end of the previous chunk, completed with this chunk's first line.
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, buf]);
        return;
      }
      const line = Buffer.concat([this.carry, buf.subarray(0, nl + 1)]);
      this.carry = undefined;
      this.lines(line, line.length);
      buf = buf.subarray(nl + 1);
    }
    const last = buf.lastIndexOf(NL);
    if (last < 0) {
      this.carry = Buffer.from(buf);
      return;
    }
    this.lines(buf, last + 1);
    if (last + 1 < buf.length) this.carry = Buffer.from(buf.subarray(last + 1));
  }

  end(): RunTable {
    if (this.carry) {
      const line = Buffer.concat([this.carry, Buffer.from([NL])]);
      this.carry = undefined;
      this.lines(line, line.length);
    }
    return this.table;
  }

  /** Reads the complete lines in buf[0, end) (end is just past a newline). */
  private lines(buf: Buffer, end: number): void {
    const starts = [0, 0, 0, 0, 0, 0];
    const ends = [0, 0, 0, 0, 0, 0];
    let runidStart = -1;
    let runidEnd = -1;
    let runidWide = false;
    let i = 0;
    while (i < end) {
      this.lineNo++;
      let n = 0;
      let wide = 0;
      // Fields of this line, up to six; the rest of the line is skipped.
      for (;;) {
        let c = buf[i];
        while (c !== NL && SPACE[c]) c = buf[++i];
        if (c === NL) break;
        if (n === 6) {
          while (buf[i] !== NL) i++;
          break;
        }
        starts[n] = i;
        while (!SPACE[c]) {
          if (c >= 0x80) wide |= 1 << n;
          c = buf[++i];
        }
        ends[n++] = i;
      }
      i++; // past the newline
      if (n === 0 || buf[starts[0]] === HASH) continue;
      if (n < 6) throw bad(this.what, this.lineNo, `expected "qid Q0 docid rank score tag", got ${n} fields`);
      const qs = starts[0];
      const ql = ends[0] - qs;
      let same = this.topic !== undefined && ql === this.lastQid.length;
      for (let k = 0; same && k < ql; k++) same = buf[qs + k] === this.lastQid[k];
      if (!same) {
        const qid = decode(buf, qs, ends[0], (wide & 1) !== 0);
        this.lastQid = Buffer.from(buf.subarray(qs, qs + ql));
        let t = this.table.topics.get(qid);
        if (!t) this.table.topics.set(qid, (t = { docs: [], sims: [] }));
        this.topic = t;
      }
      this.topic!.docs.push(decode(buf, starts[2], ends[2], (wide & 4) !== 0));
      this.topic!.sims.push(readSim(buf, starts[4], ends[4]));
      runidStart = starts[5];
      runidEnd = ends[5];
      runidWide = (wide & 32) !== 0;
    }
    // The tag of the last line is the runid (decoded now: the caller may reuse the buffer).
    if (runidStart >= 0) this.table.runid = decode(buf, runidStart, runidEnd, runidWide);
  }
}

export function readRunBytes(bytes: Uint8Array, what = 'run'): RunTable {
  const r = new RunReader(what);
  r.feed(bytes);
  return r.end();
}

/** Each content line of a qrels file, split in four: qid, iter (or subtopic), docid, judgment text. */
function eachQrelsLine(bytes: Uint8Array, what: string, onLine: (qid: string, iter: string, docid: string, rel: string) => void): void {
  const f: Fields = { starts: new Int32Array(5), ends: new Int32Array(5), count: 0, wide: 0 };
  const lines = new LineSplitter((buf, start, end, lineNo) => {
    splitLine(buf, start, end, 4, f);
    if (f.count === 0 || buf[f.starts[0]] === HASH) return;
    if (f.count !== 4) throw bad(what, lineNo, `expected "qid iter docid relevance", got ${f.count === 5 ? 'more than 4' : f.count} fields`);
    onLine(text(buf, f, 0), text(buf, f, 1), text(buf, f, 2), buf.toString('latin1', f.starts[3], f.ends[3]));
  });
  lines.feed(bytes);
  lines.end();
}

/**
 * `qid iter docid rel` lines; rel read like C's atol. A document judged twice is recorded in
 * `duplicates` (the first judgment is kept), not refused: trec_eval refuses only a query it evaluates.
 */
export function parseQrelsBytes(bytes: Uint8Array, what = 'qrels'): Qrels {
  const qrels: Qrels = new Map();
  eachQrelsLine(bytes, what, (qid, _iter, docid, rel) => {
    let judged = qrels.get(qid);
    if (!judged) qrels.set(qid, (judged = new Map()));
    if (judged.has(docid)) {
      let dups = qrels.duplicates;
      if (!dups) Object.defineProperty(qrels, 'duplicates', { value: (dups = new Map()), writable: true, configurable: true, enumerable: false });
      if (!dups.has(qid)) dups.set(qid, docid);
      return;
    }
    judged.set(docid, cAtol(rel));
  });
  Object.defineProperty(qrels, 'source', { value: what, writable: true, configurable: true, enumerable: false });
  return qrels;
}

/** Diversity qrels (`qid subtopic docid rel`, TREC Web track / ndeval format) for alpha-nDCG. */
export function parseSubtopicQrelsBytes(bytes: Uint8Array, what = 'subtopic qrels'): SubtopicQrels {
  const out: SubtopicQrels = new Map();
  eachQrelsLine(bytes, what, (qid, subtopic, docid, rel) => {
    let docs = out.get(qid);
    if (!docs) out.set(qid, (docs = new Map()));
    let subs = docs.get(docid);
    if (!subs) docs.set(docid, (subs = new Map()));
    subs.set(subtopic, cAtol(rel));
  });
  return out;
}
