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
    const v = frac ? mant / 10 ** frac : mant;
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

/** Streaming reader of a TREC run (`qid Q0 docid rank score tag`) into a RunTable. */
export class RunReader {
  private readonly table: RunTable = { topics: new Map(), runid: '' };
  private readonly fields: Fields = { starts: new Int32Array(7), ends: new Int32Array(7), count: 0, wide: 0 };
  private readonly lines: LineSplitter;
  private lastQid = Buffer.alloc(0);
  private topic: TopicRun | undefined;
  private runidAt: { buf: Buffer; start: number; end: number; wide: boolean } | undefined;

  constructor(private readonly what = 'run') {
    this.lines = new LineSplitter((buf, start, end, lineNo) => this.line(buf, start, end, lineNo));
  }

  private line(buf: Buffer, start: number, end: number, lineNo: number): void {
    const f = this.fields;
    splitLine(buf, start, end, 6, f);
    if (f.count === 0 || buf[f.starts[0]] === HASH) return;
    if (f.count < 6) throw bad(this.what, lineNo, `expected "qid Q0 docid rank score tag", got ${f.count} fields`);
    const qs = f.starts[0];
    const ql = f.ends[0] - qs;
    let same = this.topic !== undefined && ql === this.lastQid.length;
    for (let k = 0; same && k < ql; k++) same = buf[qs + k] === this.lastQid[k];
    if (!same) {
      const qid = text(buf, f, 0);
      this.lastQid = Buffer.from(buf.subarray(qs, qs + ql));
      let t = this.table.topics.get(qid);
      if (!t) this.table.topics.set(qid, (t = { docs: [], sims: [] }));
      this.topic = t;
    }
    this.topic!.docs.push(text(buf, f, 2));
    this.topic!.sims.push(readSim(buf, f.starts[4], f.ends[4]));
    this.runidAt = { buf, start: f.starts[5], end: f.ends[5], wide: (f.wide & 32) !== 0 };
  }

  feed(chunk: Uint8Array): void {
    this.lines.feed(chunk);
    this.keepRunid();
  }

  /** The tag of the last line, decoded now: the chunk it points into may be reused by the caller. */
  private keepRunid(): void {
    const r = this.runidAt;
    if (r) this.table.runid = r.buf.toString(r.wide ? 'utf8' : 'latin1', r.start, r.end);
    this.runidAt = undefined;
  }

  end(): RunTable {
    this.lines.end();
    this.keepRunid();
    return this.table;
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
      if (!qrels.duplicates) qrels.duplicates = new Map();
      if (!qrels.duplicates.has(qid)) qrels.duplicates.set(qid, docid);
      return;
    }
    judged.set(docid, cAtol(rel));
  });
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
