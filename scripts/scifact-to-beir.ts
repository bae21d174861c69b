/**
 * Converts ../shared/datasets/scifact (a zip of CSV exports of allenai/scifact plus Anserini's qrels and
 * topics) into a BEIR folder: corpus.jsonl ({_id,title,text}, text = abstract sentences joined by ' '),
 * queries.jsonl ({_id,text}) and qrels/test.tsv. Queries and qrels come from Anserini's files, so the
 * folder is exactly BEIR SciFact test.
 *   node --import tsx scripts/scifact-to-beir.ts [srcDir=../shared/datasets/scifact] [outDir=.bench/scifact (git-ignored)]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import AdmZip from 'adm-zip';

/** RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field), rows.push(row), (row = []), (field = '');
    } else field += c;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };

/** The string literals of a Python/numpy list repr such as "['a' 'b']" or "[\"it's\", 'x']". */
export function parsePyStrings(repr: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < repr.length; i++) {
    const q = repr[i];
    if (q !== "'" && q !== '"') continue;
    let s = '';
    for (i++; i < repr.length && repr[i] !== q; i++) {
      if (repr[i] !== '\\') s += repr[i];
      else if (repr[i + 1] === 'x' || repr[i + 1] === 'u') {
        const n = repr[i + 1] === 'x' ? 2 : 4;
        s += String.fromCharCode(parseInt(repr.slice(i + 2, i + 2 + n), 16));
        i += 1 + n;
      } else s += ESCAPES[repr[++i]!] ?? `\\${repr[i]}`;
    }
    out.push(s);
  }
  return out;
}

/** Writes the BEIR folder; returns the number of documents, queries and judgments. */
export function convertScifact(src: string, out: string): { docs: number; queries: number; qrels: number } {
  const zip = new AdmZip(join(src, 'scifact.zip'));
  const entry = zip.getEntries().find((e) => e.entryName.endsWith('corpus_train.csv'));
  if (!entry) throw new Error('corpus_train.csv not in scifact.zip');
  const [header, ...rows] = parseCsv(entry.getData().toString('utf8'));
  const col = (n: string): number => header!.indexOf(n);
  const corpus = rows.filter((r) => r.length > 1).map((r) => ({
    _id: r[col('doc_id')]!,
    title: r[col('title')]!,
    text: parsePyStrings(r[col('abstract')]!).join(' '),
  }));
  mkdirSync(join(out, 'qrels'), { recursive: true });
  writeFileSync(join(out, 'corpus.jsonl'), corpus.map((d) => JSON.stringify(d)).join('\n') + '\n');
  const topics = gunzipSync(readFileSync(join(src, 'topics.beir-v1.0.0-scifact.test.tsv.gz'))).toString('utf8');
  const queries = topics.split('\n').filter(Boolean).map((l) => {
    const [id, ...text] = l.split('\t');
    return JSON.stringify({ _id: id, text: text.join('\t') });
  });
  writeFileSync(join(out, 'queries.jsonl'), queries.join('\n') + '\n');
  const qrels = readFileSync(join(src, 'qrels.beir-v1.0.0-scifact.test.txt'), 'utf8').split('\n').filter(Boolean)
    .map((l) => l.trim().split(/\s+/)).map(([q, , d, r]) => `${q}\t${d}\t${r}`);
  writeFileSync(join(out, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...qrels].join('\n') + '\n');
  return { docs: corpus.length, queries: queries.length, qrels: qrels.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[3] ?? '.bench/scifact';
  const n = convertScifact(process.argv[2] ?? '../shared/datasets/scifact', out);
  console.error(`wrote ${n.docs} docs, ${n.queries} queries, ${n.qrels} judgments to ${out}`);
}
