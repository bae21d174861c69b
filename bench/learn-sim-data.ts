/**
 * The simulator's labelled queries: Cranfield's queries with their BM25 top candidates (rerankit's
 * own Anserini-exact BM25 over the 1400 abstracts) and the qrels' gains. Queries are kept where the
 * first stage leaves room to learn (its nDCG@10 is below the oracle order of the same candidates).
 */
import { join } from 'node:path';
import { readText } from '../src/eval/beir.js';
import { loadCranfield, parseSmart } from '../src/eval/smart.js';
import { buildRetriever } from '../src/retrieval/index.js';
import { unitHash } from '../src/learn/experiments/assign.js';
import { ndcg, type SimCollection, type SimQuery } from './learn-sim-core.js';

export async function cranfieldCollection(dir: string, opts: { queries: number; depth: number; minRelevant: number }): Promise<SimCollection> {
  const ds = await loadCranfield(dir);
  // Titles and abstracts as item fields, for the content features (field_match) of --features.
  const recs = new Map(parseSmart(await readText(join(dir, 'cran.all.1400'))).map((r) => [r.id, r.fields]));
  const bm25 = await buildRetriever('bm25', ds.docs.map((d) => ({ id: d.id, text: d.text })), { language: 'en' });
  const queries: SimQuery[] = [];
  for (const [qid, text] of ds.queries) {
    const judged = ds.qrels.get(qid) ?? new Map<string, number>();
    const hits = await bm25.search(text, opts.depth);
    const candidates = hits.map((h) => ({
      id: `${qid}:${h.id}`, doc: h.id, bm25: Math.round(h.score * 1e4) / 1e4, gain: Math.max(0, judged.get(h.id) ?? 0),
      topic: (unitHash(`topic:${h.id}`) < 0.5 ? 'a' : 'b') as 'a' | 'b',
      title: (recs.get(h.id)?.T ?? '').replace(/\s+/g, ' ').trim(), text: (recs.get(h.id)?.W ?? '').replace(/\s+/g, ' ').trim(),
    }));
    const gains = [...judged.values()].map((g) => Math.max(0, g));
    if (candidates.filter((c) => c.gain > 0).length < opts.minRelevant) continue;
    const first = ndcg(candidates.map((c) => c.gain), gains);
    const best = ndcg([...candidates].map((c) => c.gain).sort((a, b) => b - a), gains);
    if (first > 0.8 * best) continue;
    queries.push({ qid, query: text.replace(/\s+/g, ' ').trim(), candidates, judged: gains });
    if (queries.length === opts.queries) break;
  }
  return { name: `cranfield (${queries.length} queries, BM25 top ${opts.depth})`, queries };
}
