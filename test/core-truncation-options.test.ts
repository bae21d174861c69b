import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Tokenizer, type TruncationStrategy } from 'tokenizers';
import { CrossEncoder, RerankError, type ErrorCode } from '../src/index.js';
import type { BatchTensors } from '../src/backends/onnx/batching.js';
import { modelDir, rng } from './helpers/fixtures.js';

/*
 * Per-request truncation options of the ONNX cross-encoder, run on real ONNX sessions of bert-ce-tiny with
 * max length 32. What the model is fed is recorded at the session and compared with the tokenizers binding's
 * own encodings (its truncation, its direction), never with our tokenizer.
 */

const MAX = 32;
const DIR = modelDir('bert-ce-tiny');
const Q = 'what is the capital of france';
const LONG = 'Paris is the capital and most populous city of France, with an estimated population of 2,102,650 residents in January 2023 in an area of more than 105 km2. Since the 17th century Paris has been one of the major centres of finance, diplomacy, commerce, culture, fashion and gastronomy. Elasticsearch antidisestablishmentarianism tokenization.';
const LONG_Q = 'which antidisestablishmentarianism movements shaped the politics, commerce and gastronomy of the French capital during the seventeenth and eighteenth centuries according to historians';

/** 33 tokens (3 per word) against 40 one-token words: the binding stops them at 33 and 32, so the query gets the odd token. */
const WORDY_Q = Array(11).fill('Elasticsearch').join(' ');
const SIMPLE = Array(5).fill('the capital of france is paris and so').join(' ');

type Row = { ids: number[]; typeIds: number[] };

const binding = Tokenizer.fromFile(`${DIR}/tokenizer.json`);
binding.disablePadding();
binding.disableTruncation();
const CLS = binding.tokenToId('[CLS]')!;
const SEP = binding.tokenToId('[SEP]')!;

/** The binding's pair encoding with its own longest_first truncation at `max`. */
async function refPair(q: string, d: string, direction: 'left' | 'right' = 'right', max = MAX): Promise<Row> {
  binding.setTruncation(max, { strategy: 'LongestFirst' as TruncationStrategy, direction });
  try {
    const e = await binding.encode(q, d);
    return { ids: e.getIds(), typeIds: e.getTypeIds() };
  } finally {
    binding.disableTruncation();
  }
}

/** The binding's tokens of one text, cut to n by its own truncation (addSpecialTokens off). */
async function refCut(text: string, n: number, direction: 'left' | 'right'): Promise<number[]> {
  binding.setTruncation(n, { strategy: 'LongestFirst' as TruncationStrategy, direction });
  try {
    return (await binding.encode(text, null, { addSpecialTokens: false })).getIds();
  } finally {
    binding.disableTruncation();
  }
}

async function plain(text: string) {
  return binding.encode(text, null, { addSpecialTokens: false });
}

/** Records the unpadded rows of every batch the model runs. */
function recorder(ce: CrossEncoder): { rows: Row[]; take(): Row[] } {
  const model = (ce as unknown as { model: { run(t: BatchTensors): Promise<unknown> } }).model;
  const run = model.run.bind(model);
  const rec = {
    rows: [] as Row[],
    take() {
      const r = rec.rows;
      rec.rows = [];
      return r;
    },
  };
  model.run = (t: BatchTensors) => {
    for (let r = 0; r < t.rows; r++) {
      const row: Row = { ids: [], typeIds: [] };
      for (let c = 0; c < t.cols; c++) {
        if (t.attentionMask[r * t.cols + c] === 0n) continue;
        row.ids.push(Number(t.inputIds[r * t.cols + c]));
        row.typeIds.push(Number(t.tokenTypeIds[r * t.cols + c]));
      }
      rec.rows.push(row);
    }
    return run(t);
  };
  return rec;
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof RerankError && e.code === code && pattern.test(e.message));
}

function close(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-5, `${what}: ${v} vs ${b[i]}`));
}

describe('per-request truncation options (bert-ce-tiny, max length 32)', () => {
  let ce: CrossEncoder;
  let rec: ReturnType<typeof recorder>;
  before(async () => {
    ce = await CrossEncoder.load(DIR, { maxLength: MAX });
    rec = recorder(ce);
  });
  after(() => ce.close());

  test('default: the model gets the binding\'s own truncating encode(q, d), short and long queries', async () => {
    assert.deepEqual([(await plain(WORDY_Q)).getLength(), (await plain(SIMPLE)).getLength()], [33, 40]);
    const odd = await refPair(WORDY_Q, SIMPLE);
    assert.equal(odd.typeIds.filter((t) => t === 0).length, 2 + 15, 'the binding gives the query 15 of 29');
    for (const [q, d] of [[Q, LONG], [LONG_Q, LONG], [LONG_Q, 'Paris.'], [Q, 'Paris is the capital of France.'], [WORDY_Q, SIMPLE], [SIMPLE, WORDY_Q]]) {
      rec.take();
      await ce.score([[q, d]]);
      assert.deepEqual(rec.take(), [await refPair(q, d)]);
    }
  });

  test('maxTokensPerDoc: N feeds the document\'s first N tokens (the binding cutting it to N)', async () => {
    const all = (await plain(LONG)).getIds();
    for (const n of [1, 5, 6, 11, 20]) {
      const cut = await refCut(LONG, n, 'right');
      assert.deepEqual(cut, all.slice(0, n), 'the binding cuts a single text to exactly N tokens');
      const [qIds] = [(await plain(Q)).getIds()];
      rec.take();
      const [r] = await ce.score([[Q, LONG]], { maxTokensPerDoc: n });
      const want = [CLS, ...qIds, SEP, ...cut, SEP];
      assert.deepEqual(rec.take(), [{ ids: want, typeIds: want.map((_, i) => (i <= qIds.length + 1 ? 0 : 1)) }], `N=${n}`);
      assert.deepEqual(await ce.countTokens(Q, [LONG], { maxTokensPerDoc: n }), [want.length]);
      assert.ok(r.logits);
    }
  });

  test('maxTokensPerDoc at a word boundary scores exactly like the document text cut there; above the max length the pair rule still applies', async () => {
    const enc = await plain(LONG);
    const words = enc.getWordIds();
    const offsets = enc.getOffsets();
    // Word ends after 14 and after 40 tokens (past the max length: the pair is then truncated too).
    for (const target of [14, 40]) {
      let n = target;
      while (words[n - 1] === words[n]) n++;
      const prefix = LONG.slice(0, offsets[n - 1][1]);
      assert.deepEqual((await plain(prefix)).getIds(), enc.getIds().slice(0, n), 'the prefix text tokenizes to the first n tokens');
      for (const q of [Q, LONG_Q]) {
        rec.take();
        const [capped] = await ce.score([[q, LONG]], { maxTokensPerDoc: n });
        assert.deepEqual(rec.take(), [await refPair(q, prefix)], `n=${n} q=${q.slice(0, 20)}`);
        const [pre] = await ce.score([[q, prefix]]);
        close(capped.logits!, pre.logits!, `n=${n}`);
      }
    }
  });

  test('truncationDirection left equals the binding with direction Left (each sequence loses its start)', async () => {
    const rand = rng(5);
    const words = LONG.split(' ');
    const pairs: [string, string][] = [[Q, LONG], [LONG_Q, LONG], [LONG, LONG_Q], [LONG_Q, 'Paris.'], [Q, 'short text']];
    for (let i = 0; i < 12; i++) {
      const pick = (n: number) => Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(' ');
      pairs.push([pick(1 + Math.floor(rand() * 30)), pick(1 + Math.floor(rand() * 60))]);
    }
    for (const [q, d] of pairs) {
      rec.take();
      const [left] = await ce.score([[q, d]], { truncationDirection: 'left' });
      const want = await refPair(q, d, 'left');
      assert.deepEqual(rec.take(), [want], `q=${q} d=${d}`);
      assert.deepEqual(await ce.countTokens(q, [d], { truncationDirection: 'left' }), [want.ids.length]);
      assert.ok(left.logits);
    }
    // It really is the other end: the last tokens of the document reach the model.
    const right = await refPair(Q, LONG, 'right');
    const left = await refPair(Q, LONG, 'left');
    assert.notDeepEqual(left.ids, right.ids);
    const [r1] = await ce.score([[Q, LONG]]);
    const [r2] = await ce.score([[Q, LONG]], { truncationDirection: 'left' });
    assert.notDeepEqual(r1.logits, r2.logits);
    // With maxTokensPerDoc, left keeps the document's last N tokens (the binding's Left cut to N).
    rec.take();
    await ce.score([[Q, LONG]], { truncationDirection: 'left', maxTokensPerDoc: 9 });
    const qIds = (await plain(Q)).getIds();
    assert.deepEqual(rec.take()[0].ids, [CLS, ...qIds, SEP, ...(await refCut(LONG, 9, 'left')), SEP]);
  });

  test('truncate: false refuses an over-long pair (RERANK_LIMIT naming the document, its tokens and the max length)', async () => {
    const full = (await binding.encode(Q, LONG)).getLength();
    assert.ok(full > MAX);
    const docs = ['Paris is the capital of France.', LONG];
    await rejectsWith(ce.rerank(Q, docs, { truncate: false }), 'RERANK_LIMIT', new RegExp(`document 1 .*\\b${full} tokens.*max length ${MAX}`));
    await rejectsWith(ce.score([[Q, docs[0]], [Q, LONG]], { truncate: false }), 'RERANK_LIMIT', new RegExp(`document 1 .*\\b${full} tokens.*${MAX}`));
    await rejectsWith(ce.countTokens(Q, docs, { truncate: false }), 'RERANK_LIMIT', new RegExp(`document 1 .*\\b${full}`));
    // A pair of exactly the max length is fine and scores as usual.
    const enc = await plain(LONG);
    const qLen = (await plain(Q)).getLength();
    const words = enc.getWordIds();
    let n = MAX - 3 - qLen;
    while (n > 0 && words[n - 1] === words[n]) n--;
    const fits = LONG.slice(0, enc.getOffsets()[n - 1][1]);
    const fitLen = (await binding.encode(Q, fits)).getLength();
    assert.ok(fitLen <= MAX);
    const [a] = await ce.score([[Q, fits]], { truncate: false });
    const [b] = await ce.score([[Q, fits]]);
    assert.deepEqual(a.logits, b.logits);
    assert.deepEqual(await ce.countTokens(Q, [fits], { truncate: false }), [fitLen]);
    // Capping the document first (maxTokensPerDoc) can make it fit.
    const [c] = await ce.score([[Q, LONG]], { truncate: false, maxTokensPerDoc: MAX - 3 - qLen });
    assert.ok(c.logits);
    // truncate: true is the default behaviour.
    const [d] = await ce.score([[Q, LONG]], { truncate: true });
    const [e] = await ce.score([[Q, LONG]]);
    assert.deepEqual(d.logits, e.logits);
  });

  test('maxChunksPerDoc turns chunking on: 1 window equals truncation, more windows score at least as high', async () => {
    for (const [q, d] of [[WORDY_Q, SIMPLE], [SIMPLE, WORDY_Q]]) {
      for (const direction of ['right', 'left'] as const) {
        rec.take();
        await ce.score([[q, d]], { maxChunksPerDoc: 1, truncationDirection: direction });
        assert.deepEqual(rec.take(), [await refPair(q, d, direction)], `first window of ${q.slice(0, 12)}, ${direction}`);
      }
    }
    for (const q of [Q, LONG_Q, WORDY_Q]) {
      rec.take();
      const [one] = await ce.score([[q, LONG]], { maxChunksPerDoc: 1 });
      const rows = rec.take();
      assert.deepEqual(rows, [await refPair(q, LONG)], 'the first window is the binding\'s truncation');
      const [truncated] = await ce.score([[q, LONG]]);
      assert.deepEqual(one.logits, truncated.logits);
      let prev = one.score;
      for (const n of [2, 3, 5, 50]) {
        rec.take();
        const [r] = await ce.score([[q, LONG]], { maxChunksPerDoc: n });
        const windows = rec.take();
        assert.ok(windows.length <= n && windows.length >= Math.min(n, 2), `${windows.length} windows for maxChunksPerDoc ${n}`);
        assert.ok(r.score >= prev, `${n} windows: ${r.score} >= ${prev}`);
        assert.deepEqual(await ce.countTokens(q, [LONG], { maxChunksPerDoc: n }), [windows.reduce((s, w) => s + w.ids.length, 0)]);
        for (const w of windows) assert.ok(w.ids.length <= MAX);
        prev = r.score;
      }
    }
    // Without a limit the windows cover the document: as many as a model loaded with longDocuments 'chunk' scores.
    const chunked = await CrossEncoder.load(DIR, { maxLength: MAX, longDocuments: 'chunk' });
    try {
      const [all] = await ce.rerank(Q, [LONG], { maxChunksPerDoc: 1000 });
      const [ref] = await chunked.rerank(Q, [LONG]);
      assert.deepEqual(all.logits, ref.logits);
      assert.deepEqual(await ce.countTokens(Q, [LONG], { maxChunksPerDoc: 1000 }), await chunked.countTokens(Q, [LONG]));
      // And it limits a chunking model's windows too.
      rec.take();
      const [one] = await chunked.score([[Q, LONG]], { maxChunksPerDoc: 1 });
      const [trunc] = await ce.score([[Q, LONG]]);
      assert.deepEqual(one.logits, trunc.logits);
      // truncate: false allows windows, but not losing any of them.
      await rejectsWith(chunked.score([[Q, LONG]], { truncate: false, maxChunksPerDoc: 1 }), 'RERANK_LIMIT', /document 0/);
      const [whole] = await chunked.score([[Q, LONG]], { truncate: false });
      assert.deepEqual(whole.logits, ref.logits);
    } finally {
      await chunked.close();
    }
  });

  test('bad option values are RERANK_BAD_OPTION naming the option, in rerank, score and countTokens', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ maxTokensPerDoc: 0 }, 'maxTokensPerDoc'],
      [{ maxTokensPerDoc: 2.5 }, 'maxTokensPerDoc'],
      [{ maxTokensPerDoc: '10' }, 'maxTokensPerDoc'],
      [{ maxChunksPerDoc: -1 }, 'maxChunksPerDoc'],
      [{ maxChunksPerDoc: Number.NaN }, 'maxChunksPerDoc'],
      [{ truncate: 'no' }, 'truncate'],
      [{ truncationDirection: 'Left' }, 'truncationDirection'],
      [{ truncationDirection: 'up' }, 'truncationDirection'],
    ];
    for (const [o, name] of bad) {
      const re = new RegExp(`^${name} must be`);
      await rejectsWith(ce.rerank(Q, [LONG], o as never), 'RERANK_BAD_OPTION', re);
      await rejectsWith(ce.score([[Q, LONG]], o as never), 'RERANK_BAD_OPTION', re);
      await rejectsWith(ce.countTokens(Q, [LONG], o as never), 'RERANK_BAD_OPTION', re);
    }
  });
});
