import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { docText } from '../src/eval/beir.js';
import { candidatesRun, formatCandidates, parseCandidates } from '../src/eval/candidates.js';
import { novelEvalCandidates } from '../src/eval/collections.js';
import { parseCsv, pythonStrings } from '../src/eval/csv.js';
import { detectFormat, loadDataset } from '../src/eval/datasets.js';
import { parseSmart } from '../src/eval/smart.js';
import { formatRun, parseQrels, parseRun, parseTopics } from '../src/eval/trec.js';

const FIX = fileURLToPath(new URL('./fixtures/eval/', import.meta.url));
const judgments = (q: Map<string, Map<string, number>>) => [...q.values()].reduce((n, m) => n + m.size, 0);

describe('dataset folders', () => {
  test('Cranfield: SMART with CRLF, queries numbered by position, codes 1..4 → gains 4..1', async () => {
    assert.equal(detectFormat(`${FIX}cranfield`), 'cranfield');
    const ds = await loadDataset(`${FIX}cranfield`);
    assert.equal(ds.docs.length, 40);
    assert.equal(ds.docs[0].id, '1');
    assert.match(ds.docs[0].text, /^experimental investigation of the aerodynamics of a wing in a slipstream \. an experimental study/);
    assert.deepEqual([...ds.queries.keys()], ['1', '2', '3', '4']); // cran.qry numbers them 001, 002, 004, 008
    assert.match(ds.queries.get('3')!, /^what problems of heat conduction in composite slabs/);
    assert.equal(ds.qrels.get('1')!.get('184'), 3); // "1 184 2" → 5 - 2
    assert.ok([...ds.qrels.values()].every((m) => [...m.values()].every((g) => g >= 0 && g <= 4)));
  });
  test('CISI: titles kept apart, binary judgments', async () => {
    const ds = await loadDataset(`${FIX}cisi`);
    assert.equal(ds.docs.length, 30);
    assert.equal(ds.docs[0].title, '18 Editions of the Dewey Decimal Classifications');
    assert.match(ds.docs[0].text, /^The present study is a history of the DEWEY Decimal Classification\./);
    assert.ok(!ds.docs[0].text.includes('.X'));
    assert.deepEqual(new Set([...ds.qrels.get('1')!.values()]), new Set([1]));
    assert.equal(ds.qrels.get('1')!.get('28'), 1);
    assert.deepEqual([...ds.queries.keys()].sort(), [...ds.qrels.keys()].sort());
  });
  test('NovelEval: graded 0-2, its own candidate lists in search order', async () => {
    const ds = await loadDataset(`${FIX}noveleval`);
    assert.equal(ds.docs.length, 40);
    assert.equal(judgments(ds.qrels), 40);
    const lists = novelEvalCandidates(ds);
    assert.deepEqual(lists.map((l) => [l.qid, l.candidates.length, l.candidates[0].docid, l.candidates[10].docid]), [['0', 20, '0-0', '0-10'], ['1', 20, '1-0', '1-10']]);
  });
  test('SciFact: zip of CSV with numpy-repr abstracts, Anserini qrels and gzipped topics', async () => {
    assert.equal(detectFormat(`${FIX}scifact`), 'scifact');
    const ds = await loadDataset(`${FIX}scifact`);
    assert.equal(ds.docs.length, 18);
    const d = ds.docs.find((x) => x.id === '4983')!;
    assert.equal(d.title, 'Microstructural development of human newborn cerebral white matter assessed in vivo by diffusion tensor magnetic resonance imaging.');
    assert.match(d.text, /^Alterations of the architecture of cerebral white matter in the developing human brain can affect cortical development and result in functional disabilities\. A line scan/);
    assert.ok(!/['"]\s*\n/.test(d.text) && !d.text.includes("' '"));
    assert.equal(ds.queries.get('1'), '0-dimensional biomaterials show inductive properties.');
    assert.equal(ds.qrels.get('1')!.get('31715818'), 1);
    assert.ok([...ds.qrels.values()].every((m) => [...m.keys()].every((id) => ds.docs.some((x) => x.id === id))));
    assert.ok(docText(d).startsWith(`${d.title} Alterations`));
  });
  test('BEIR folder (Chinese): corpus, queries and qrels/test.tsv', async () => {
    const ds = await loadDataset(`${FIX}xquad-zh`);
    assert.equal(ds.docs.length, 40);
    assert.equal(ds.queries.size, 49);
    assert.equal(judgments(ds.qrels), 49);
    assert.equal(ds.docs[0].id, 'a0p0s0');
    await assert.rejects(loadDataset(`${FIX}xquad-zh`, 'dev'), { code: 'RERANK_FILE' });
    assert.throws(() => detectFormat(FIX), { code: 'RERANK_FILE' });
  });
});

describe('file formats', () => {
  test('TREC run round-trips in trec_eval order', () => {
    const run = parseRun('# comment\n\nq1 Q0 b 9 0.5 x\nq1 Q0 a 1 2 x extra\nq2 Q0 c 1 -1.5e-3 x\n');
    const text = formatRun(run, 'tag');
    assert.equal(text, 'q1 Q0 a 1 2 tag\nq1 Q0 b 2 0.5 tag\nq2 Q0 c 1 -0.0015 tag\n');
    assert.deepEqual(parseRun(text), run);
    assert.throws(() => parseRun('q1 Q0 a 1 2\n'), /run line 1/);
    assert.throws(() => parseQrels('q 0 d\n'), /qrels line 1/);
  });
  test('topics: Anserini TSV and SGML', () => {
    assert.deepEqual([...parseTopics('1\tfirst query\n2\tsecond\n')], [['1', 'first query'], ['2', 'second']]);
    const sgml = '<top>\n<num> Number: 301\n<title> International Organized Crime\n<desc> Description:\nx\n</top>\n<top>\n<num> Number: 302 <title> Poliomyelitis and Post-Polio\n</top>';
    assert.deepEqual([...parseTopics(sgml)], [['301', 'International Organized Crime'], ['302', 'Poliomyelitis and Post-Polio']]);
  });
  test('candidate lists JSONL: validated, round-trip, run in score order', () => {
    const text = '{"qid":"1","query":"q","candidates":[{"docid":"a","text":"x","score":0.2},{"docid":7,"text":"y","score":0.9}]}\n{"qid":"2","query":"r","candidates":[{"docid":"b","text":"z"},{"docid":"c","text":"w"}]}\n';
    const lists = parseCandidates(text);
    assert.deepEqual(parseCandidates(formatCandidates(lists)), lists);
    const run = candidatesRun(lists);
    assert.deepEqual(run.get('1'), new Map([['a', 0.2], ['7', 0.9]]));
    assert.ok(run.get('2')!.get('b')! > run.get('2')!.get('c')!);
    assert.throws(() => parseCandidates('{"qid":"1","query":"q","candidates":[{"docid":"a"}]}'), /line 1: candidate a has no string "text"/);
    assert.throws(() => parseCandidates('{"qid":"1","query":"q","candidates":[{"docid":"a","text":"x"},{"docid":"a","text":"y"}]}'), /twice/);
    assert.throws(() => parseCandidates('{"qid":"1"}\nnot json'), { code: 'RERANK_BAD_INPUT' });
  });
  test('CSV and Python list reprs', () => {
    assert.deepEqual(parseCsv('a,"b ""q"", c"\r\n1,"x\ny"\n'), [['a', 'b "q", c'], ['1', 'x\ny']]);
    assert.deepEqual(pythonStrings(`['it\\'s' "a 'b'"\n 'c\\\\d' '\\xe9']`), ["it's", "a 'b'", 'c\\d', 'é']);
    assert.deepEqual(parseSmart('.I 1\r\n.T\r\nTitle\r\n.W\r\nsome\r\ntext\r\n.I 2\n.W\nmore\n').map((r) => [r.id, r.fields]), [['1', { T: 'Title', W: 'some text' }], ['2', { W: 'more' }]]);
  });
});
