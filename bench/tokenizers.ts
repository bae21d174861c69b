/**
 * Why rerankit tokenizes with the `tokenizers` Rust binding: fidelity against the fixtures' reference ids
 * and speed against Transformers.js's tokenizer, side by side in one run.
 *   node --import tsx bench/tokenizers.ts [--json]
 */
import { readFileSync } from 'node:fs';
import { Tokenizer } from 'tokenizers';
import { PairTokenizer } from '../src/models/tokenizer.js';

const FIX = 'test/fixtures/models';
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

async function loadOurs(dir: string): Promise<PairTokenizer> {
  return PairTokenizer.load(`${dir}/tokenizer.json`, json(`${dir}/tokenizer_config.json`), json(`${dir}/config.json`));
}

/** Transformers.js "standard use": the tokenizer call with text_pair, padding and truncation. */
async function loadTransformersJs(dir: string) {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = '';
  return AutoTokenizer.from_pretrained(dir);
}

async function fidelity(model: string) {
  const dir = `${FIX}/${model}`;
  const cases = json(`${dir}/reference.json`).cases as { input: [string, string]; input_ids: number[] }[];
  const ours = await loadOurs(dir);
  const tjs = await loadTransformersJs(dir);
  let oursOk = 0;
  let tjsOk = 0;
  for (const c of cases) {
    const [q, d] = await ours.encodeTexts(c.input);
    if (JSON.stringify(ours.pair(q, d, 512).ids) === JSON.stringify(c.input_ids)) oursOk++;
    const enc = tjs(c.input[0], { text_pair: c.input[1], truncation: true, max_length: 512 }) as { input_ids: { data: BigInt64Array } };
    if (JSON.stringify(Array.from(enc.input_ids.data, Number)) === JSON.stringify(c.input_ids)) tjsOk++;
  }
  return { model, cases: cases.length, rerankit: oursOk, transformersjs: tjsOk };
}

function titles(n: number): string[] {
  const words = readFileSync('assets/bench/bert-base-uncased/vocab.txt', 'utf8').split('\n').slice(2000, 20000);
  let s = 7;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => Array.from({ length: 8 + Math.floor(rnd() * 23) }, () => words[Math.floor(rnd() * words.length)]).join(' '));
}

async function time(fn: () => Promise<unknown> | unknown, runs = 15): Promise<number> {
  await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

async function speed(n: number) {
  const dir = 'assets/bench/bert-base-uncased';
  const ours = await PairTokenizer.load(`${dir}/tokenizer.json`, json(`${dir}/tokenizer_config.json`), {});
  const rust = Tokenizer.fromFile(`${dir}/tokenizer.json`);
  rust.setTruncation(512);
  rust.disablePadding();
  const tjs = await loadTransformersJs(dir);
  const docs = titles(n);
  const query = 'wireless noise cancelling headphones for travel';
  const r = {
    n,
    rerankit_ms: await time(async () => {
      const [q] = await ours.encodeTexts([query]);
      (await ours.encodeTexts(docs)).map((d) => ours.pair(q, d, 512));
    }),
    rust_pairs_ms: await time(() => Promise.all(docs.map((d) => rust.encode(query, d)))),
    transformersjs_ms: await time(() => tjs(docs.map(() => query), { text_pair: docs, padding: true, truncation: true })),
  };
  return r;
}

const result = {
  fidelity: await Promise.all(['bert-ce-tiny', 'bert-zh-ce-tiny', 'xlmr-ce-tiny'].map(fidelity)),
  speed: [await speed(100), await speed(1000)],
};
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else {
  console.table(result.fidelity);
  console.table(result.speed);
}
