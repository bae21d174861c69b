/**
 * The click simulator, small: 4 Cranfield queries with their BM25 top 10 (test/fixtures/learn-sim),
 * simulated users examining rank r with probability 1/r and clicking by grade, every session over
 * real HTTP through /rank and /feedback, retrained through /train. The served nDCG@10 must rise from
 * the first stage towards the oracle, and interleaving must name the better model.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClickSimulator, DEFAULT_SIM, lambdamart, ndcg, sessionsToDetect, simConfigYaml, trafficLoop, type SimCollection } from '../bench/learn-sim-core.js';
import type { RunningServer } from '../src/server/start.js';
import { serve } from './server-helpers.js';

const coll = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'learn-sim', 'cranfield-sim.json'), 'utf8')) as SimCollection;

describe('learn simulation (small)', () => {
  let dir: string;
  let server: RunningServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rerankit-learn-sim-'));
    const file = join(dir, 'sim.yaml');
    await writeFile(file, simConfigYaml({
      models: { debiased: lambdamart(['relevancy', 'ctr', 'clicks'], true, 30), base: 'type: noop' },
      experiments: '  il:\n    interleave: [debiased, base]\n    by: session',
    }));
    server = await serve({ config: file });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('nDCG is the textbook value on a hand-made order', () => {
    // DCG of [3, 0, 2] = 3 + 0 + 2/log2(4) = 4; ideal [3, 2, 0] = 3 + 2/log2(3).
    assert.ok(Math.abs(ndcg([3, 0, 2], [2, 3, 0]) - 4 / (3 + 2 / Math.log2(3))) < 1e-12);
  });

  it('learns from simulated clicks: the served nDCG@10 rises above the first stage towards the oracle', async () => {
    const sim = new ClickSimulator(server.url, coll, { ...DEFAULT_SIM, seed: 5 }, 'learn-');
    await sim.sendItems();
    const first = coll.queries.map((q) => ndcg(q.candidates.map((c) => c.gain), q.judged));
    const best = coll.queries.map((q) => ndcg(q.candidates.map((c) => c.gain).sort((x, y) => y - x), q.judged));
    const loop = await trafficLoop(sim, 'debiased', 240, 80);
    assert.equal(loop.blocks.length, 3);
    const meanFirst = first.reduce((s, x) => s + x, 0) / first.length;
    const meanBest = best.reduce((s, x) => s + x, 0) / best.length;
    // The first block is served before any training: the first stage's order.
    assert.ok(Math.abs(loop.blocks[0]! - meanFirst) < 0.1, `untrained block ${loop.blocks[0]} ≈ first stage ${meanFirst}`);
    assert.ok(loop.blocks[2]! > meanFirst + 0.1, `trained ${loop.blocks[2]} > first stage ${meanFirst}`);
    assert.ok(loop.blocks[2]! >= 0.8 * meanBest, `trained ${loop.blocks[2]} near the oracle ${meanBest}`);
  });

  it('team-draft interleaving names the trained model the better one', async () => {
    const sim = new ClickSimulator(server.url, coll, { ...DEFAULT_SIM, seed: 9 }, 'il-');
    const detected = await sessionsToDetect(sim, 'il', 'debiased', 40, 200);
    assert.ok(detected !== null && detected <= 200, `detected after ${detected} sessions`);
  });
});
