import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RerankError } from '../errors.js';
import { readText } from './beir.js';
import type { Dataset, Qrels } from './types.js';

/** One SMART record: `.I id` followed by `.T` title, `.A` authors, `.B` biblio, `.W` text, `.X` refs. */
export interface SmartRecord {
  id: string;
  fields: Record<string, string>;
}

/** Parses SMART-format text (Cranfield, CISI, Medline, ...), tolerating CRLF and `.T` lines with trailing text. */
export function parseSmart(text: string): SmartRecord[] {
  const records: SmartRecord[] = [];
  let field = '';
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\.([A-Z])(?:\s+(.*))?$/.exec(raw.trimEnd());
    if (m && m[1] === 'I') {
      records.push({ id: (m[2] ?? '').trim(), fields: {} });
      field = '';
    } else if (m && records.length) {
      field = m[1];
      const cur = records[records.length - 1].fields;
      cur[field] = (cur[field] ?? '') + (m[2] ? `${m[2]}\n` : '');
    } else if (field && records.length) {
      const cur = records[records.length - 1].fields;
      cur[field] += `${raw}\n`;
    }
  }
  for (const r of records) for (const k of Object.keys(r.fields)) r.fields[k] = r.fields[k].replace(/\s+/g, ' ').trim();
  return records;
}

function setRel(qrels: Qrels, qid: string, docid: string, rel: number): void {
  if (!qrels.has(qid)) qrels.set(qid, new Map());
  const inner = qrels.get(qid)!;
  inner.set(docid, Math.max(rel, inner.get(docid) ?? rel)); // CISI lists a few pairs twice
}

function need(dir: string, file: string): string {
  const p = join(dir, file);
  if (!existsSync(p)) throw new RerankError('RERANK_FILE', `${p} not found`);
  return p;
}

/**
 * Cranfield 1400. Queries are numbered by their position in cran.qry (1..225), as cranqrel uses them.
 * Relevance codes 1 (complete answer) .. 4 (minimum interest) become gains 4..1; code -1 becomes 0.
 */
export async function loadCranfield(dir: string): Promise<Dataset> {
  const docs = parseSmart(await readText(need(dir, 'cran.all.1400'))).map((r) => ({ id: r.id, text: r.fields.W ?? r.fields.T ?? '' }));
  const queries = new Map(parseSmart(await readText(need(dir, 'cran.qry'))).map((r, i) => [String(i + 1), r.fields.W ?? '']));
  const qrels: Qrels = new Map();
  for (const line of (await readText(need(dir, 'cranqrel'))).split(/\r?\n/)) {
    const [q, d, code] = line.trim().split(/\s+/);
    if (!code) continue;
    const c = Number(code);
    setRel(qrels, q, d, c >= 1 && c <= 4 ? 5 - c : 0);
  }
  return { name: 'cranfield', docs, queries, qrels };
}

/** CISI: binary judgments in CISI.REL (`qid docid 0 0.0` = relevant); only the 76 judged queries are kept. */
export async function loadCisi(dir: string): Promise<Dataset> {
  const docs = parseSmart(await readText(need(dir, 'CISI.ALL'))).map((r) => ({ id: r.id, title: r.fields.T || undefined, text: r.fields.W ?? '' }));
  const qrels: Qrels = new Map();
  for (const line of (await readText(need(dir, 'CISI.REL'))).split(/\r?\n/)) {
    const [q, d] = line.trim().split(/\s+/);
    if (q && d) setRel(qrels, q, d, 1);
  }
  const queries = new Map<string, string>();
  for (const r of parseSmart(await readText(need(dir, 'CISI.QRY')))) {
    if (qrels.has(r.id)) queries.set(r.id, [r.fields.T, r.fields.W].filter(Boolean).join(' '));
  }
  return { name: 'cisi', docs, queries, qrels };
}
