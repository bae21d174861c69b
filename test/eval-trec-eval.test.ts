// `rerankit eval` against outputs of the reference tools themselves (test/fixtures/eval/trec_eval/README.md
// says where each file comes from): trec_eval 10.0's own test outputs and outputs produced with it,
// gdeval.pl for nDCG with exponential gain and ERR, ndeval for alpha-nDCG.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { evaluate } from '../src/eval/evaluate.js';
import { parseQrels, parseRun, parseSubtopicQrels } from '../src/eval/trec.js';

const F = fileURLToPath(new URL('./fixtures/eval/trec_eval/', import.meta.url));
const read = (name: string) => readFileSync(`${F}${name}`, 'utf8');

/** Runs the CLI in this process (`rerankit <args>`) and returns what it wrote to stdout. */
async function cli(args: string[], stdin?: string): Promise<{ out: string; code: number }> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  const code = process.exitCode;
  process.stdout.write = ((c: string | Uint8Array) => (chunks.push(typeof c === 'string' ? c : Buffer.from(c).toString('utf8')), true)) as typeof process.stdout.write;
  const stdinDesc = Object.getOwnPropertyDescriptor(process, 'stdin');
  if (stdin !== undefined) {
    const { Readable } = await import('node:stream');
    Object.defineProperty(process, 'stdin', { value: Object.assign(Readable.from([Buffer.from(stdin)]), { isTTY: false }), configurable: true });
  }
  try {
    process.exitCode = 0;
    await main(['node', 'rerankit', ...args]);
    return { out: chunks.join(''), code: Number(process.exitCode ?? 0) };
  } finally {
    process.stdout.write = write;
    process.exitCode = code;
    if (stdinDesc) Object.defineProperty(process, 'stdin', stdinDesc);
  }
}

/** trec_eval's arguments as in its Makefile (`-mX`, `-l2`, `-M100` attached) and our file paths. */
const split = (args: string) => args.split(' ').filter(Boolean);

describe('byte for byte with trec_eval 10.0', () => {
  const quicktest: [string, string, string, string][] = [
    ['', 'qrels.test', 'results.test', 'out.test'],
    ['-m all_trec', 'qrels.test', 'results.test', 'out.test.a'],
    ['-m all_trec -q', 'qrels.test', 'results.test', 'out.test.aq'],
    ['-m all_trec -q -c', 'qrels.test', 'results.trunc', 'out.test.aqc'],
    ['-m all_trec -q -c -M100', 'qrels.test', 'results.trunc', 'out.test.aqcM'],
    ['-m all_trec -mrelstring.20 -q -l2', 'qrels.rel_level', 'results.test', 'out.test.aql'],
    [
      '-q -miprec_at_recall..10,.20,.25,.75,.50 -m P.5,7,3 -m recall.20,2000 -m Rprec_mult.5.0,0.2,0.35 -mutility.2,-1,0,0 -m 11pt_avg..25,.5,.75 -mndcg.1=3,2=9,4=4.5 -mndcg_cut.10,20,23.4 -msuccess.2,5,20',
      'qrels.test', 'results.test', 'out.test.meas_params',
    ],
  ];
  for (const [args, qrels, run, out] of quicktest) {
    test(`trec_eval's own test: ${out}`, async () => {
      const r = await cli(['eval', ...split(args), `${F}${qrels}`, `${F}${run}`]);
      assert.equal(r.code, 0);
      assert.equal(r.out, read(out));
    });
  }
  test('outputs produced with trec_eval 10.0: options, parameters, -c, -J, -M, -l, adversarial files', async () => {
    const cases = read('produced/cases.txt').trim().split('\n').map((l) => l.split('|'));
    assert.ok(cases.length >= 12);
    for (const [name, args, qrels, run] of cases) {
      const r = await cli(['eval', ...split(args), `${F}${qrels}`, `${F}${run}`]);
      assert.equal(r.out, read(`produced/${name}.out`), name);
    }
  });
  test('--qrels/--run and the run on standard input give the same bytes; the default is the official set', async () => {
    const flags = await cli(['eval', '-q', '--qrels', `${F}qrels.test`, '--run', `${F}results.test`]);
    const piped = await cli(['eval', '-q', `${F}qrels.test`, '-'], read('results.test'));
    assert.equal(piped.out, flags.out);
    // trec_eval's official measures are a subset of all_trec, printed in the same table order.
    const official = /^(runid|num_q|num_ret|num_rel|num_rel_ret|map|gm_map|Rprec|bpref|recip_rank|iprec_at_recall_\S+|P_\d+)\s/;
    assert.equal(flags.out, read('out.test.aq').split('\n').filter((l) => official.test(l)).join('\n') + '\n');
  });
  test('-n drops the summary; --json keeps {all, per_query} with trec_eval names', async () => {
    const q = await cli(['eval', '-q', '-n', '-m', 'map', `${F}qrels.test`, `${F}results.test`]);
    assert.equal(q.out, read('out.test.aq').split('\n').filter((l) => /^map\s+30\d/.test(l)).join('\n') + '\n');
    const json = JSON.parse((await cli(['eval', '--json', '-m', 'official', `${F}qrels.test`, `${F}results.test`])).out);
    const summary = Object.fromEntries(read('out.test').trim().split('\n').map((l) => l.split('\t')).map(([n, , v]) => [n.trim(), v]));
    for (const [name, v] of Object.entries(summary)) if (name !== 'runid') assert.equal(json.all[name].toFixed(/\./.test(v) ? 4 : 0), v, name);
    assert.equal(json.all.MAP, json.all.map);
    assert.deepEqual(Object.keys(json.per_query), ['301', '302', '303']);
    assert.equal(json.per_query['301'].gm_map, undefined, 'gm_map has no per-query value, as in trec_eval -q');
  });
});

describe('measures beyond trec_eval, against the tools ir_measures uses for them', () => {
  test('nDCG with exponential gain and ERR@k equal gdeval.pl (5 decimals)', () => {
    for (const [q, r, tag] of [['gdeval/gd.qrels', 'gdeval/gd.run', 'gd'], ['qrels.rel_level', 'results.test', 'rel_level']]) {
      for (const k of [5, 10, 20]) {
        const ev = evaluate(parseQrels(read(q)), parseRun(read(r)), { measures: [`nDCG(dcg='exp-log2')@${k}`, `ERR@${k}`], friendly: false });
        const rows = read(`gdeval/${tag}.k${k}.csv`).trim().split('\n').slice(1).map((l) => l.split(','));
        assert.ok(rows.length >= 3);
        for (const [, qid, ndcg, err] of rows) {
          assert.ok(Math.abs(ev.per_query[qid][`nDCG(dcg='exp-log2')@${k}`] - Number(ndcg)) <= 5e-6, `${tag} ${qid} nDCG@${k}`);
          assert.ok(Math.abs(ev.per_query[qid][`ERR@${k}`] - Number(err)) <= 5e-6, `${tag} ${qid} ERR@${k}`);
        }
      }
    }
  });
  test('alpha-nDCG@k equals ndeval -traditional (6 decimals), alpha 0.5 and 0.8', () => {
    for (const set of ['div3', 'div4']) {
      for (const alpha of ['0.5', '0.8']) {
        const sub = parseSubtopicQrels(read(`ndeval/${set}.qrels`));
        const names = [5, 10, 20].map((k) => `alpha_nDCG${alpha === '0.5' ? '' : `(alpha=${alpha})`}@${k}`);
        const ev = evaluate(parseQrels(read(`ndeval/${set}.qrels`)), parseRun(read(`ndeval/${set}.run`)), { measures: names, subtopics: sub, friendly: false });
        const [head, ...rows] = read(`ndeval/${set}.alpha${alpha}.csv`).trim().split('\n').map((l) => l.split(','));
        for (const row of rows.filter((x) => x[1] !== 'amean')) {
          [5, 10, 20].forEach((k, i) => {
            const expected = Number(row[head.indexOf(`alpha-nDCG@${k}`)]);
            assert.ok(Math.abs(ev.per_query[row[1]][names[i]] - expected) <= 5e-7, `${set} α=${alpha} q${row[1]} @${k}: ${ev.per_query[row[1]][names[i]]} vs ${expected}`);
          });
        }
      }
    }
  });
});
