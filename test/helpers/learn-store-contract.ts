import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LEARN_STORE_SCHEMA, type LearnStore } from '../../src/learn/store.js';

export interface LearnStoreContractOptions {
  /** A fresh, empty store (its own place). */
  open: () => Promise<LearnStore>;
  /** Opens the same place again after close (a restart); absent for a store that keeps nothing. */
  reopen?: (s: LearnStore) => Promise<LearnStore>;
}

const collect = async (s: LearnStore): Promise<unknown[]> => { const out: unknown[] = []; for await (const e of s.events()) out.push(e); return out; };

/** What every LearnStore implementation (file, memory, Redis) must do. */
export function learnStoreContract(name: string, o: LearnStoreContractOptions): void {
  describe(`LearnStore contract: ${name}`, () => {
    test('records its schema version', async () => {
      const s = await o.open();
      assert.equal(s.schemaVersion, LEARN_STORE_SCHEMA);
      await s.close();
    });

    test('events are kept in arrival order and deduplicated by id, within and across writes', async () => {
      const s = await o.open();
      await s.write([{ op: 'event', id: 'a', event: { n: 1 } }, { op: 'event', id: 'b', event: { n: 2 } }, { op: 'event', id: 'a', event: { n: 99 } }]);
      await s.write([{ op: 'event', id: 'b', event: { n: 98 } }, { op: 'event', id: 'c', event: { n: 3 } }]);
      assert.deepEqual(await collect(s), [{ n: 1 }, { n: 2 }, { n: 3 }]);
      assert.deepEqual(await s.hasEvents(['c', 'x', 'a']), [true, false, true]);
      await s.close();
    });

    test('namespaced key-values: set, overwrite, delete, entries of one namespace only', async () => {
      const s = await o.open();
      await s.set('ns1', 'k', { v: 1 });
      await s.set('ns1', 'k', { v: 2 });
      await s.set('ns1', 'gone', 5);
      await s.set('ns2', 'k', 'other');
      await s.delete('ns1', 'gone');
      assert.deepEqual(await s.get('ns1', 'k'), { v: 2 });
      assert.equal(await s.get('ns1', 'gone'), undefined);
      assert.deepEqual(await s.entries('ns1'), [['k', { v: 2 }]]);
      assert.deepEqual(await s.entries('ns2'), [['k', 'other']]);
      assert.deepEqual(await s.entries('empty'), []);
      await s.close();
    });

    test('a stored value does not change when the caller mutates the object it wrote', async () => {
      const s = await o.open();
      const v = { list: [1, 2] };
      await s.set('ns', 'k', v);
      v.list.push(3);
      assert.deepEqual(await s.get('ns', 'k'), { list: [1, 2] });
      await s.close();
    });

    if (o.reopen) {
      test('everything written survives a restart', async () => {
        const s = await o.open();
        await s.write([{ op: 'event', id: 'e1', event: { x: 1 } }, { op: 'set', ns: 'model', key: 'm', value: { trees: [1] } }]);
        await s.set('exp', 'r1', { clicks: [0] });
        const t = await o.reopen!(s);
        assert.deepEqual(await collect(t), [{ x: 1 }]);
        assert.deepEqual(await t.get('model', 'm'), { trees: [1] });
        assert.deepEqual(await t.get('exp', 'r1'), { clicks: [0] });
        assert.deepEqual(await t.hasEvents(['e1']), [true]);
        await t.close();
      });
    }
  });
}
