// `rerankit eval` against outputs of the reference tools themselves (test/fixtures/eval/trec_eval/README.md
// says where each file comes from): trec_eval 10.0's own test outputs and outputs produced with it,
// gdeval.pl for nDCG with exponential gain and ERR, ndeval for alpha-nDCG.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evaluate, evaluateTrec, formatTrecEval, type EvaluateOptions } from '../src/eval/evaluate.js';
import { parseQrels, parseRun, parseSubtopicQrels } from '../src/eval/trec.js';
import { runCli } from './helpers/cli.js';

const F = fileURLToPath(new URL('./fixtures/eval/trec_eval/', import.meta.url));
const read = (name: string) => readFileSync(`${F}${name}`, 'utf8');

/** Runs the CLI from source as `rerankit <args>` (a child process: about a second each, so few). */
function cli(args: string[], stdin?: string): { out: string; err: string; code: number | null } {
  const r = runCli(args, stdin === undefined ? {} : { input: stdin });
  return { out: r.stdout, err: r.stderr, code: r.code };
}

/**
 * trec_eval's command line (as its Makefile writes it: `-mX`, `-l2`, `-M100` attached) read into the
 * library's options, so most cases run in-process; the CLI's own parsing is checked on a few.
 */
function trecArgs(args: string): { opts: EvaluateOptions; perQuery: boolean; summary: boolean } {
  const a = args.split(' ').filter(Boolean);
  const opts: EvaluateOptions = { measures: [] };
  const measures: string[] = [];
  let perQuery = false;
  let summary = true;
  for (let i = 0; i < a.length; i++) {
    const [flag, attached] = [a[i].slice(0, 2), a[i].slice(2)];
    const value = () => attached || a[++i];
    if (flag === '-q') perQuery = true;
    else if (flag === '-c') opts.complete = true;
    else if (flag === '-n') summary = false;
    else if (flag === '-J') opts.judgedOnly = true;
    else if (flag === '-l') opts.relevanceLevel = Number(value());
    else if (flag === '-M') opts.maxRetrieved = Number(value());
    else if (flag === '-N') opts.numDocsInColl = Number(value());
    else if (flag === '-m') measures.push(value());
    else throw new Error(`unknown flag ${a[i]}`);
  }
  opts.measures = measures.length ? measures : ['official'];
  return { opts, perQuery, summary };
}

function trecEval(args: string, qrels: string, run: string): string {
  const { opts, perQuery, summary } = trecArgs(args);
  return formatTrecEval(evaluateTrec(parseQrels(readFileSync(`${F}${qrels}`)), parseRun(readFileSync(`${F}${run}`)), opts), { perQuery, summary });
}

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
    test(`trec_eval's own test: ${out}`, () => assert.equal(trecEval(args, qrels, run), read(out)));
  }
  test('outputs produced with trec_eval 10.0: options, parameters, -c, -J, -M, -l, adversarial files', () => {
    const cases = read('produced/cases.txt').trim().split('\n').map((l) => l.split('|'));
    assert.ok(cases.length >= 12);
    for (const [name, args, qrels, run] of cases) assert.equal(trecEval(args, qrels, run), read(`produced/${name}.out`), name);
  });
  test('the command line: trec_eval\'s flags as its Makefile writes them, positional files, - for stdin', () => {
    const r = cli(['eval', '-m', 'all_trec', '-mrelstring.20', '-q', '-l2', `${F}qrels.rel_level`, '-'], read('results.test'));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, read('out.test.aql'));
    const flags = cli(['eval', '-c', '-q', '-M100', '-m', 'all_trec', '--qrels', `${F}qrels.test`, '--run', `${F}results.trunc`]);
    assert.equal(flags.out, read('out.test.aqcM'));
  });
  test('default measures are trec_eval\'s official set; -n drops the summary', () => {
    // trec_eval's official measures are a subset of all_trec, printed in the same table order.
    const official = /^(runid|num_q|num_ret|num_rel|num_rel_ret|map|gm_map|Rprec|bpref|recip_rank|iprec_at_recall_\S+|P_\d+)\s/;
    assert.equal(trecEval('-q', 'qrels.test', 'results.test'), read('out.test.aq').split('\n').filter((l) => official.test(l)).join('\n') + '\n');
    assert.equal(trecEval('-q -n -m map', 'qrels.test', 'results.test'), read('out.test.aq').split('\n').filter((l) => /^map\s+30\d/.test(l)).join('\n') + '\n');
  });
  test('evaluate() (--json) holds the same numbers under trec_eval\'s names, friendly names beside', () => {
    const r = evaluate(parseQrels(read('qrels.test')), parseRun(read('results.test')), { measures: ['official'] });
    for (const line of read('out.test').trim().split('\n')) {
      const [name, , v] = line.split('\t');
      if (name.trim() !== 'runid') assert.equal(r.all[name.trim()].toFixed(v.includes('.') ? 4 : 0), v, name);
    }
    assert.equal(r.all.MAP, r.all.map);
    assert.deepEqual(Object.keys(r.per_query), ['301', '302', '303']);
    assert.equal(r.per_query['301'].gm_map, undefined, 'gm_map has no per-query value, as in trec_eval -q');
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
