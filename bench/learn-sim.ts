/**
 * The learning benchmark on simulated users (docs/learning.md "Simulation"): Cranfield queries with
 * BM25 candidates, users who examine rank r with probability 1/r and click by relevance grade
 * (0.05, 0.3, 0.6, 0.9), every session through a real `rerankit serve` over HTTP (/rank, /feedback,
 * /flush, /train every N sessions). Reports nDCG@10 of what was served over time for the first stage,
 * naive and debiased LambdaMART and the oracle; personalized vs not on per-user nDCG; and the
 * sessions an A/B test and team-draft interleaving need to detect the better model.
 *   node --import tsx bench/learn-sim.ts [--data ../shared/datasets] [--queries 30] [--sessions 3000]
 *     [--every 300] [--reps 5] [--json] [--fixture test/fixtures/learn-sim]
 *     [--only learning,detect,personal] (parts to run; detect needs learning) [--skip ...]
 *     [--seeds 1,2,3,4,5,6,7,8] (user seeds of the learning part: per-seed final blocks, debiased − naive)
 *     [--arms first-stage,naive,debiased,labels] (labels: the learner's ceiling, true grades as labels)
 *     [--features relevancy,ctr,...] [--debias '{clip: 5}']
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveSettings } from '../src/server/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { ClickSimulator, DEFAULT_SIM, lambdamart, sessionsToDetect, simConfigYaml, trafficLoop, type SimCollection, type SimServerConfig } from './learn-sim-core.js';
import { cranfieldCollection } from './learn-sim-data.js';
import { signTest } from '../src/learn/experiments/stats.js';
import { bootstrapCI, pairedTTest } from '../src/eval/stats.js';

const { values: a } = parseArgs({ options: {
  data: { type: 'string', default: join(import.meta.dirname, '..', '..', 'shared', 'datasets') },
  queries: { type: 'string', default: '30' }, sessions: { type: 'string', default: '3000' }, every: { type: 'string', default: '300' },
  reps: { type: 'string', default: '5' }, step: { type: 'string', default: '25' }, max: { type: 'string', default: '3000' },
  json: { type: 'boolean', default: false }, fixture: { type: 'string' }, skip: { type: 'string', default: '' },
  features: { type: 'string', default: 'relevancy,ctr,title_match,text_match,title_ngram' }, only: { type: 'string', default: 'learning,detect,personal' },
  arms: { type: 'string', default: 'first-stage,naive,debiased' },
  // The debiased arm's backend.debias value as YAML flow (e.g. '{clip: 5}'); default true.
  debias: { type: 'string', default: 'true' }, seeds: { type: 'string', default: '1,2,3,4,5,6,7,8' }, out: { type: 'string', default: 'learn-sim.json' },
} });
const cran = join(a.data!, 'cranfield');
if (!existsSync(cran)) {
  process.stderr.write(`bench/learn-sim.ts needs ${cran} (Cranfield 1400: cran.all.1400, cran.qry, cranqrel)\n`);
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), 'rerankit-learn-sim-'));
const say = (s: string) => process.stderr.write(`${s}\n`);

async function server(name: string, c: SimServerConfig): Promise<RunningServer> {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(file, simConfigYaml(c));
  return startServer(await resolveSettings({ config: file, host: '127.0.0.1', port: 0, logLevel: 'silent' }, {}));
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs: (number | null)[]) => {
  const v = xs.map((x) => x ?? Infinity).sort((p, q) => p - q);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
/** Debiased against naive over the same seeds: per-seed differences, sign test, paired t-test, bootstrap interval. */
function paired(debiased: number[], naive: number[]) {
  const diff = debiased.map((d, i) => d - naive[i]!);
  const wins = diff.filter((d) => d > 0).length, losses = diff.filter((d) => d < 0).length;
  const m = mean(diff);
  const t = pairedTTest(diff);
  const out = {
    naive: mean(naive), debiased: mean(debiased), meanDifference: m, differences: diff, ci95: bootstrapCI(diff),
    wins, losses, signTestP: signTest(wins, losses), pairedT: t.t, pairedTP: t.p,
  };
  say(`  debiased − naive ${diff.map((d) => d.toFixed(3)).join(' ')}: mean ${m.toFixed(3)} [${out.ci95.low.toFixed(3)}, ${out.ci95.high.toFixed(3)}], ${wins} wins / ${losses} losses (sign test p ${out.signTestP.toFixed(3)}), paired t p ${out.pairedTP.toFixed(4)}`);
  return out;
}
const FLAT = a.features!.split(',');
const part = (p: string) => a.only!.split(',').includes(p) && !a.skip!.split(',').includes(p);

async function main(): Promise<void> {
  const sessions = Number(a.sessions), every = Number(a.every), reps = Number(a.reps);
  const coll: SimCollection = await cranfieldCollection(cran, { queries: Number(a.queries), depth: 20, minRelevant: 4 });
  if (a.fixture) return writeFixture(coll, a.fixture);
  say(`${coll.name}: ${sessions} sessions (${(sessions / coll.queries.length).toFixed(0)} per query), retrain every ${every}`);
  const results: Record<string, unknown> = { collection: coll.name, features: FLAT, sessions, every, sessionsPerQuery: sessions / coll.queries.length };
  const t0 = performance.now();

  // 1. Learning over time: first stage (noop), naive and debiased LambdaMART, the oracle; over each
  // user seed of --seeds (the curves reported are the first seed's), then debiased − naive per seed.
  if (part('learning')) await learning();
  async function learning(): Promise<void> {
  const seeds = a.seeds!.split(',').map(Number);
  const curves: Record<string, number[]> = {};
  // Per seed: the last block, and the mean of the last three (less noisy: 900 sessions, not 300).
  const finals: Record<string, number[]> = {};
  const tails: Record<string, number[]> = {};
  // Each arm's own oracle per seed (the oracle order of the sessions that arm served: the queries
  // drawn depend on the clicks before them, so they differ a little between arms).
  const oracles: Record<string, number[]> = {};
  let oracle = 0;
  const experiments = Array.from({ length: reps }, (_, r) => `  ab_${r}:\n    variants: {debiased: 1, base: 1}\n    by: session\n  il_${r}:\n    interleave: [debiased, base]\n    by: session`).join('\n');
  let kept: RunningServer | undefined;
  const arms = [['first-stage', 'type: noop', false], ['naive', lambdamart(FLAT, false), true], ['debiased', lambdamart(FLAT, a.debias!), true],
    ['labels', lambdamart(FLAT, false), true]] as const;
  for (const seed of seeds) {
    for (const [arm, body, train] of arms) {
      if (!a.arms!.split(',').includes(arm) || (arm === 'first-stage' && seed !== seeds[0])) continue;
      const t = performance.now();
      const models: Record<string, string> = arm === 'debiased' ? { debiased: body, base: 'type: noop' } : { [arm]: body };
      const first = seed === seeds[0];
      const srv = await server(arm, { models, ...(arm === 'debiased' && first ? { experiments } : {}) });
      const sim = new ClickSimulator(srv.url, coll, { ...DEFAULT_SIM, seed, explicitLabels: arm === 'labels' }, `${arm}-`);
      await sim.sendItems();
      const loop = await trafficLoop(sim, arm, sessions, every, train);
      (finals[arm] ??= []).push(loop.blocks.at(-1)!);
      (tails[arm] ??= []).push(mean(loop.blocks.slice(-3)));
      (oracles[arm] ??= []).push(loop.oracle);
      say(`  ${arm.padEnd(12)} ${loop.blocks.map((x) => x.toFixed(3)).join(' ')}  (seed ${seed}, ${((performance.now() - t) / 1000).toFixed(0)} s)`);
      if (first) {
        curves[arm] = loop.blocks;
        oracle = loop.oracle;
        const prop = (loop.lastReport as { propensities?: number[] } | undefined)?.propensities;
        if (prop) { say(`  ${''.padEnd(12)} propensities ${prop.slice(0, 20).map((x) => x.toFixed(2)).join(' ')}`); results[`${arm}Propensities`] = prop.slice(0, 20); }
      }
      if (arm === 'debiased' && first && part('detect')) kept = srv;
      else await srv.close();
    }
  }
  say(`  ${'oracle'.padEnd(12)} ${oracle.toFixed(3)}`);
  const last = (k: string) => curves[k]?.at(-1) ?? NaN;
  results.learning = { seeds, curves, oracle, final: { firstStage: last('first-stage'), naive: last('naive'), debiased: last('debiased'), ...(curves.labels ? { labels: last('labels') } : {}), oracle }, debiasedOverOracle: last('debiased') / oracle, finals, lastThreeBlocks: tails, oracles,
    ...(finals.debiased ? { debiasedOverOracleAllSeeds: mean(finals.debiased) / mean(oracles.debiased!) } : {}) };
  if (finals.debiased) say(`  debiased over its oracle, all seeds: ${mean(finals.debiased).toFixed(3)} / ${mean(oracles.debiased!).toFixed(3)} = ${(100 * mean(finals.debiased) / mean(oracles.debiased!)).toFixed(1)}%`);
  if (finals.naive && finals.debiased && seeds.length > 1) {
    results.debiasedVsNaive = { finalBlock: paired(finals.debiased, finals.naive), lastThreeBlocks: paired(tails.debiased!, tails.naive!) };
  }

  // 2. Interleaving vs A/B on the same simulation: trained debiased LambdaMART against the first stage.
  if (part('detect') && kept) {
    const ab: (number | null)[] = [], il: (number | null)[] = [];
    for (let r = 0; r < reps; r++) {
      ab.push(await sessionsToDetect(new ClickSimulator(kept!.url, coll, { ...DEFAULT_SIM, seed: 100 + r }, `ab${r}-`), `ab_${r}`, 'debiased', Number(a.step), Number(a.max)));
      il.push(await sessionsToDetect(new ClickSimulator(kept!.url, coll, { ...DEFAULT_SIM, seed: 200 + r }, `il${r}-`), `il_${r}`, 'debiased', Number(a.step), Number(a.max)));
      say(`  detect rep ${r}: A/B ${ab.at(-1) ?? `>${a.max}`}, interleaving ${il.at(-1) ?? `>${a.max}`}`);
    }
    results.detection = { ab, interleaving: il, medianAB: median(ab), medianInterleaving: median(il), step: Number(a.step), max: Number(a.max) };
  }
  await kept?.close();
  }

  // 3. Personalization: users prefer one topic (a preferred item's grade is one higher).
  if (part('personal')) {
    const per: Record<string, number[]> = {};
    let personalOracle = 0;
    for (const [arm, feats] of [['flat', FLAT], ['personal', [...FLAT, 'topic_affinity']]] as const) {
      const srv = await server(arm, { models: { [arm]: lambdamart([...feats], true) } });
      const sim = new ClickSimulator(srv.url, coll, { ...DEFAULT_SIM, personalized: true, seed: 3 }, `${arm}-`);
      await sim.sendItems();
      const loop = await trafficLoop(sim, arm, sessions, every, true);
      per[arm] = loop.blocks;
      personalOracle = loop.oracle;
      say(`  ${arm.padEnd(12)} ${loop.blocks.map((x) => x.toFixed(3)).join(' ')}  (per-user nDCG@10)`);
      await srv.close();
    }
    results.personalization = { curves: per, oracle: personalOracle, final: { flat: per.flat!.at(-1), personal: per.personal!.at(-1) } };
  }
  results.seconds = Math.round((performance.now() - t0) / 1000);
  if (a.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(resolve(import.meta.dirname, 'results', a.out!), `${JSON.stringify(results, null, 2)}\n`);
}

/** The test's small copy: a few queries, their top 10 BM25 candidates and judged gains (no texts needed). */
function writeFixture(coll: SimCollection, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const queries = coll.queries.slice(0, 4).map((q) => ({ ...q, candidates: q.candidates.slice(0, 10) }));
  writeFileSync(join(dir, 'cranfield-sim.json'), `${JSON.stringify({ name: 'cranfield subset (4 queries, BM25 top 10; from ../shared/datasets/cranfield, see bench/learn-sim.ts --fixture)', queries }, null, 1)}\n`);
  say(`wrote ${join(dir, 'cranfield-sim.json')}`);
}

main().finally(() => rmSync(tmp, { recursive: true, force: true })).catch((e) => {
  console.error(e);
  process.exit(1);
});
