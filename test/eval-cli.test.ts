import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { CrossEncoder } from '../src/index.js';
import { formatCandidates } from '../src/eval/candidates.js';
import { loadDataset } from '../src/eval/datasets.js';
import { evaluate } from '../src/eval/evaluate.js';
import { parseQrels, parseRun } from '../src/eval/trec.js';
import { runCli } from './helpers/cli.js';
import { modelDir } from './helpers/fixtures.js';

const FIX = fileURLToPath(new URL('./fixtures/eval/', import.meta.url));
const cli = runCli;

const tmp = mkdtempSync(join(tmpdir(), 'rerankit-eval-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => (writeFileSync(join(tmp, name), text), join(tmp, name));

const QRELS = 'q1 0 a 2\nq1 0 b 0\nq1 0 c 1\nq2 0 d 1\nq3 0 e 1\n';
const RUN_A = 'q1 Q0 a 1 3 A\nq1 Q0 b 2 2 A\nq1 Q0 c 3 1 A\nq2 Q0 x 1 2 A\nq2 Q0 d 2 1 A\n';
const RUN_B = 'q1 Q0 c 1 3 B\nq1 Q0 a 2 2 B\nq2 Q0 d 1 2 B\n';

describe('rerankit eval / compare / analyze', () => {
  test('eval --json prints trec_eval names with friendly names, all and per query (default: trec_eval\'s official set)', () => {
    const r = cli(['eval', '--qrels', file('q.txt', QRELS), '--run', file('a.run', RUN_A), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const lib = evaluate(parseQrels(QRELS), parseRun(RUN_A), { measures: ['official'] });
    assert.deepEqual(out, lib);
    assert.deepEqual(Object.keys(out.per_query), ['q1', 'q2']);
    assert.equal(out.all.recip_rank, 0.75);
    assert.equal(out.all.MRR, 0.75);
  });
  test('-c and -l change the averaging and the relevance level; the table shows 4 decimals', () => {
    const args = ['eval', '--qrels', join(tmp, 'q.txt'), '--run', join(tmp, 'a.run'), '-m', 'P_3', '-m', 'recip_rank'];
    assert.equal(JSON.parse(cli([...args, '-c', '--json']).stdout).all.recip_rank, 0.5);
    assert.equal(JSON.parse(cli([...args, '-l', '2', '--json']).stdout).all.P_3, (1 / 3 + 0) / 2);
    const table = cli([...args, '--table']);
    assert.match(table.stdout, /^recip_rank\s+MRR\s+0\.7500$/m);
    assert.match(table.stdout, /\(2 queries\)/);
    // Without --table: trec_eval's lines (%-22s, tab, qid, tab, %6.4f) in its table order. By hand:
    // recip_rank (1 + 1/2)/2; P_3 q1 finds a and c (2/3), q2 finds d (1/3): 0.5.
    assert.equal(cli(args).stdout, 'recip_rank            \tall\t0.7500\nP_3                   \tall\t0.5000\n');
  });
  test('compare: deltas, intervals, p-values and win/tie/loss as JSON', () => {
    const r = cli(['compare', '--qrels', join(tmp, 'q.txt'), '--run', join(tmp, 'a.run'), '--run', file('b.run', RUN_B), '-m', 'recip_rank', '--json', '--samples', '500']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.queries, 2);
    const m = out.metrics[0];
    assert.deepEqual([m.measure, m.a, m.b, m.wins, m.ties, m.losses], ['recip_rank', 0.75, 1, 1, 1, 0]);
    assert.equal(m.p_permutation, 1); // exact: diffs [0, 0.5] — every sign pattern is as extreme
    assert.match(cli(['compare', '--qrels', join(tmp, 'q.txt'), '--run', join(tmp, 'a.run'), '--run', join(tmp, 'b.run')]).stdout, /W\/T\/L/);
  });
  test('compare with three runs: the run × measure table with marks, every pair in --json', () => {
    const c = file('c.run', 'q1 Q0 b 1 3 C\nq2 Q0 d 1 2 C\n');
    const args = ['compare', '--qrels', join(tmp, 'q.txt'), '--run', join(tmp, 'a.run'), '--run', join(tmp, 'b.run'), '--run', c, '-m', 'recip_rank', '-m', 'P.1'];
    const text = cli(args);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^#\s+run\s+MRR\s+P@1$/m);
    assert.match(text.stdout, /^c\s+\S+c\.run\s+0\.5000\s+0\.5000$/m); // q1 b (rel 0) first, q2 d first
    const out = JSON.parse(cli([...args, '--json', '--test', 'fisher']).stdout);
    assert.deepEqual([out.runs.length, out.pairs.length, out.test, out.correction], [3, 6, 'fisher', 'holm']);
  });
  test('analyze lists the worst query first with its error class', () => {
    const r = cli(['analyze', '--qrels', join(tmp, 'q.txt'), '--baseline', join(tmp, 'b.run'), '--run', join(tmp, 'a.run'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.queries.map((q: { qid: string; class: string }) => [q.qid, q.class]), [['q2', 'irrelevant_promoted'], ['q1', 'improved']]);
  });
  test('rerank-only evaluation of candidate lists with a real cross-encoder, run written in TREC format', async () => {
    const ds = await loadDataset(`${FIX}noveleval`);
    const cands = file('cands.jsonl', formatCandidates(ds.candidates!));
    const qrels = file('nov.qrels', readFileSync(`${FIX}noveleval/qrels.txt`, 'utf8'));
    const runOut = join(tmp, 'ce.run');
    const r = cli(['eval', '--candidates', cands, '--qrels', qrels, '--reranker', modelDir('bert-ce-tiny'), '--top-k', '20', '--run-out', runOut, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const ce = await CrossEncoder.load(modelDir('bert-ce-tiny'));
    try {
      for (const list of ds.candidates!) {
        const ranked = await ce.rerank(list.query, list.candidates.map((c) => c.text));
        const written = [...parseRun(readFileSync(runOut, 'utf8')).get(list.qid)!].sort((x, y) => y[1] - x[1]).map(([d]) => d);
        assert.deepEqual(written, ranked.map((x) => list.candidates[x.index].docid));
      }
    } finally {
      await ce.close();
    }
    assert.deepEqual(JSON.parse(r.stdout), evaluate(ds.qrels, parseRun(readFileSync(runOut, 'utf8'))));
    const same = cli(['eval', '--dataset', `${FIX}noveleval`, '--reranker', modelDir('bert-ce-tiny'), '--top-k', '20', '--json']);
    assert.deepEqual(JSON.parse(same.stdout), JSON.parse(r.stdout));
  });
  test('first stage over a BEIR folder with the bm25 retriever', () => {
    const r = cli(['eval', '--dataset', `${FIX}xquad-zh`, '--retriever', 'bm25', '--first-stage-k', '20', '-m', 'ndcg_cut_10', '-m', 'recall_20', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(Object.keys(out.per_query).length, 49);
    assert.ok(out.all.recall_20 > 0.8 && out.all.ndcg_cut_10 > 0.5, JSON.stringify(out.all));
  });
  test('user mistakes print one line and exit 1', () => {
    for (const [args, re] of [
      [['eval', '--run', join(tmp, 'a.run')], /--run needs --qrels/],
      [['eval', '--qrels', join(tmp, 'q.txt'), '--run', join(tmp, 'nope.run')], /RERANK_FILE.*nope\.run/],
      [['eval', '--qrels', join(tmp, 'q.txt'), '--run', join(tmp, 'a.run'), '-m', 'nosuch'], /RERANK_BAD_OPTION.*unknown measure "nosuch"/],
      [['eval', '--qrels', file('bad.txt', 'q1 0 a\n'), '--run', join(tmp, 'a.run')], /RERANK_BAD_INPUT.*line 1/],
      [['compare', '--qrels', join(tmp, 'q.txt'), '--run', join(tmp, 'a.run')], /at least twice/],
      [['eval', '--dataset', FIX], /RERANK_FILE/],
    ] as [string[], RegExp][]) {
      const r = cli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
