/**
 * Online experiments' pure logic: the statistics against textbook values, the stable traffic split,
 * team-draft interleaving's invariants, and the tracker's report from served rankings and clicks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickVariant, unitOf } from '../src/learn/experiments/assign.js';
import { parseExperiments } from '../src/learn/experiments/config.js';
import { creditClicks, teamDraft } from '../src/learn/experiments/interleave.js';
import { abSampleSize, bootstrapMean, interleavingSampleSize, signTest, twoProportionZ } from '../src/learn/experiments/stats.js';
import { ExperimentTracker, type ExperimentKV } from '../src/learn/experiments/tracker.js';

const close = (a: number, b: number, eps: number) => assert.ok(Math.abs(a - b) < eps, `${a} ≈ ${b}`);

function memoryKV(): ExperimentKV & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: async (k) => structuredClone(data.get(k)),
    set: async (k, v) => void data.set(k, structuredClone(v)),
    entries: async () => [...data].map(([k, v]) => [k, structuredClone(v)]),
  };
}

describe('experiments: statistics', () => {
  it('two-proportion z-test: 60/100 vs 40/100 is z = 2.828, p = 0.00468 (R prop.test, correct = FALSE: X² = 8)', () => {
    const { z, p } = twoProportionZ(60, 100, 40, 100);
    close(z, Math.sqrt(8), 1e-9);
    close(p, 0.004677735, 1e-6);
    assert.equal(twoProportionZ(5, 10, 5, 10).p, 1);
  });

  it('sign test: 9 wins, 1 loss is 2·11/1024 exactly; even is 1', () => {
    close(signTest(9, 1), 22 / 1024, 1e-12);
    close(signTest(1, 9), 22 / 1024, 1e-12);
    assert.equal(signTest(5, 5), 1);
    assert.equal(signTest(0, 0), 1);
  });

  it('sample sizes: CTR 10% vs 15% needs 686 per arm (alpha 0.05, power 0.8); no effect is null', () => {
    assert.equal(abSampleSize(0.1, 0.15), 686);
    assert.equal(abSampleSize(0.2, 0.2), null);
    assert.equal(interleavingSampleSize(0.6, 1), 194);
    assert.equal(interleavingSampleSize(0.6, 0.5), 388);
    assert.equal(interleavingSampleSize(0.5, 1), null);
  });

  it('bootstrap interval holds the mean and repeats exactly', () => {
    const xs = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const ci = bootstrapMean(xs)!;
    assert.ok(ci.low < 0.25 && ci.high > 0.25 && ci.low > 0.15 && ci.high < 0.35, JSON.stringify(ci));
    assert.deepEqual(bootstrapMean(xs), ci);
    assert.equal(bootstrapMean([]), null);
  });
});

describe('experiments: traffic split', () => {
  const shares = [{ name: 'a', share: 3 }, { name: 'b', share: 1 }];
  it('is stable per user and follows the shares', () => {
    const counts = { a: 0, b: 0 } as Record<string, number>;
    for (let u = 0; u < 8000; u++) {
      const v = pickVariant('exp', `user:u${u}`, shares);
      assert.equal(pickVariant('exp', `user:u${u}`, shares), v);
      counts[v]!++;
    }
    close(counts.a! / 8000, 0.75, 0.02);
  });

  it('hashes the user, falling back to the session, then the request', () => {
    assert.equal(unitOf({ user: 'alice', session: 's1', id: 'r' }, 'user'), 'user:alice');
    assert.equal(unitOf({ session: 's1', id: 'r' }, 'user'), 'session:s1');
    assert.equal(unitOf({ user: 'alice', session: 's1' }, 'session'), 'session:s1');
    assert.equal(unitOf({ id: 'r9' }, 'session'), 'request:r9');
  });

  it('splits two experiments independently', () => {
    let same = 0;
    for (let u = 0; u < 4000; u++) same += +(pickVariant('x', `user:${u}`, [{ name: 'a', share: 1 }, { name: 'b', share: 1 }]) === pickVariant('y', `user:${u}`, [{ name: 'a', share: 1 }, { name: 'b', share: 1 }]));
    close(same / 4000, 0.5, 0.04);
  });
});

describe('experiments: team-draft interleaving', () => {
  const a = ['1', '2', '3', '4', '5', '6'];
  const b = ['6', '5', '4', '3', '2', '1'];
  it('merges into a permutation, teams balanced in every prefix, each team in its model\'s order', () => {
    for (let s = 0; s < 50; s++) {
      const { items, teams } = teamDraft(a, b, `r${s}`);
      assert.deepEqual([...items].sort(), [...a].sort());
      for (let k = 1; k <= items.length; k++) {
        const na = teams.slice(0, k).filter((t) => t === 'a').length;
        assert.ok(Math.abs(na - (k - na)) <= 1, `prefix ${k} balanced`);
      }
      const fromA = items.filter((_, i) => teams[i] === 'a');
      assert.deepEqual(fromA, a.filter((x) => fromA.includes(x)));
      const fromB = items.filter((_, i) => teams[i] === 'b');
      assert.deepEqual(fromB, b.filter((x) => fromB.includes(x)));
      assert.ok(items[0] === '1' || items[0] === '6');
    }
  });

  it('is the same list for the same ranking id, and the shared order when both agree', () => {
    assert.deepEqual(teamDraft(a, b, 'id-1'), teamDraft(a, b, 'id-1'));
    assert.deepEqual(teamDraft(a, a, 'id-2').items, a);
    const firsts = new Set(Array.from({ length: 40 }, (_, s) => teamDraft(a, b, `q${s}`).items[0]));
    assert.deepEqual([...firsts].sort(), ['1', '6'], 'the coin picks either team first');
  });

  it('credits clicks to the contributing team', () => {
    assert.equal(creditClicks(['a', 'b', 'a', 'b'], [0, 2]), 'a');
    assert.equal(creditClicks(['a', 'b', 'a', 'b'], [1]), 'b');
    assert.equal(creditClicks(['a', 'b'], [0, 1]), 'tie');
    assert.equal(creditClicks(['a', 'b'], []), null);
  });
});

describe('experiments: config and tracker', () => {
  it('checks the section, naming the key', () => {
    const models = ['ltr', 'base'];
    assert.deepEqual(parseExperiments({ ab: { variants: { ltr: 1, base: 3 } } }, models), [
      { name: 'ab', by: 'user', interaction: 'click', k: 10, variants: [{ name: 'ltr', share: 1 }, { name: 'base', share: 3 }] },
    ]);
    assert.throws(() => parseExperiments({ ab: { variants: { nope: 1 } } }, models), /experiments\.ab: "nope" is not a learned model/);
    assert.throws(() => parseExperiments({ ab: { interleave: ['ltr'] } }, models), /experiments\.ab\.interleave/);
    assert.throws(() => parseExperiments({ ab: { variants: { ltr: 1 }, interleave: ['ltr', 'base'] } }, models), /exactly one of/);
    assert.throws(() => parseExperiments({ ab: { variants: { ltr: 1 }, bogus: 1 } }, models), /experiments\.ab: Unrecognized key/);
    assert.throws(() => parseExperiments({ ltr: { variants: { ltr: 1 } } }, models), /same name/);
  });

  it('reports CTR, clicks@k, MRR and interleaving wins from served rankings and clicks, and again after reopening', async () => {
    const configs = parseExperiments({ ab: { variants: { x: 1, y: 1 }, k: 2 }, il: { interleave: ['x', 'y'] } }, ['x', 'y']);
    const kv = memoryKV();
    const t = await ExperimentTracker.open(configs, kv);
    await t.served('r1', { experiment: 'ab', variant: 'x', items: ['p', 'q', 'r'] });
    await t.served('r2', { experiment: 'ab', variant: 'x', items: ['q', 'p', 'r'] });
    await t.served('r3', { experiment: 'ab', variant: 'y', items: ['p', 'q', 'r'] });
    await t.served('i1', { experiment: 'il', variant: null, items: ['p', 'q', 'r'], teams: ['a', 'b', 'a'] });
    await t.served('i2', { experiment: 'il', variant: null, items: ['p', 'q', 'r'], teams: ['b', 'a', 'b'] });
    const click = (ranking: string, item: string, type = 'click') => ({ event: 'interaction', id: `${ranking}-${item}-${type}`, ranking, item, type });
    // r1: clicks at positions 2 and 0 (the repeat of "r" counts once); r2 none; r3 one at position 1.
    await t.observe([click('r1', 'r'), click('r1', 'p'), click('r1', 'r'), click('r3', 'q'), click('r2', 'p', 'purchase'), click('zz', 'p')]);
    await t.observe([click('i1', 'p'), click('i1', 'r'), click('i2', 'p'), click('i2', 'q')]);
    const check = (reports: ReturnType<ExperimentTracker['report']>) => {
      const [ab, il] = reports;
      const [x, y] = ab!.variants as any[];
      assert.equal(ab!.rankings, 3);
      assert.deepEqual([x.rankings, x.clicks, x.clickedRankings, x.ctr, x.clicksAtK, x.mrr], [2, 2, 1, 0.5, 0.5, 0.5]);
      assert.deepEqual([y.rankings, y.clicks, y.ctr, y.clicksAtK, y.mrr], [1, 1, 1, 1, 0.5]);
      assert.equal(ab!.significance[0]!.test, 'two-proportion z-test');
      assert.deepEqual(ab!.significance[0]!.compared, ['y', 'x']);
      assert.equal(ab!.significance[0]!.leader, 'y');
      const [ia, ib] = il!.variants as any[];
      assert.deepEqual([ia.name, ia.wins, ia.ties, ia.losses, ia.clicks], ['x', 1, 1, 0, 3]);
      assert.deepEqual([ib.name, ib.wins, ib.ties, ib.losses, ib.clicks], ['y', 0, 1, 1, 1]);
      assert.equal(il!.significance[0]!.p, 1);
    };
    check(t.report());
    check((await ExperimentTracker.open(configs, kv)).report());
  });
});
