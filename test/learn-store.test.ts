import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RerankError } from '../src/errors.js';
import { FileLearnStore, MemoryLearnStore } from '../src/learn/file-store.js';
import { learnStoreContract } from './helpers/learn-store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'learn-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `s${n++}`);

learnStoreContract('FileLearnStore', {
  open: () => FileLearnStore.open(fresh()),
  reopen: async (s) => { await s.close(); return FileLearnStore.open((s as FileLearnStore).dir); },
});
learnStoreContract('FileLearnStore after compaction', {
  open: () => FileLearnStore.open(fresh(), { compactBytes: 200 }),
  reopen: async (s) => { await s.close(); return FileLearnStore.open((s as FileLearnStore).dir, { compactBytes: 200 }); },
});
learnStoreContract('MemoryLearnStore', { open: async () => new MemoryLearnStore() });

test('a torn last write (crash mid-append) is cut off: the batch is absent, the earlier ones whole', async () => {
  const dir = fresh();
  const s = await FileLearnStore.open(dir);
  await s.write([{ op: 'event', id: 'a', event: 1 }]);
  await s.write([{ op: 'event', id: 'b', event: 2 }, { op: 'set', ns: 'n', key: 'k', value: 'v' }]);
  await s.close();
  const log = join(dir, 'log.jsonl');
  const size = readFileSync(log).length;
  truncateSync(log, size - 7); // the second batch loses its tail
  const t = await FileLearnStore.open(dir);
  const evs: unknown[] = [];
  for await (const e of t.events()) evs.push(e);
  assert.deepEqual(evs, [1]);
  assert.equal(await t.get('n', 'k'), undefined);
  await t.write([{ op: 'event', id: 'c', event: 3 }]); // the log is usable after the cut
  await t.close();
  const u = await FileLearnStore.open(dir);
  const again: unknown[] = [];
  for await (const e of u.events()) again.push(e);
  assert.deepEqual(again, [1, 3]);
  await u.close();
});

test('a corrupted line (bad checksum) ends replay there', async () => {
  const dir = fresh();
  const s = await FileLearnStore.open(dir);
  await s.write([{ op: 'event', id: 'a', event: 1 }]);
  await s.close();
  appendFileSync(join(dir, 'log.jsonl'), '0000000000000000 {"seq":2,"ops":[{"op":"event","id":"b","event":2}]}\n');
  const t = await FileLearnStore.open(dir);
  assert.deepEqual(await t.hasEvents(['a', 'b']), [true, false]);
  await t.close();
});

test('a store of another schema version is refused with RERANK_STORE naming both versions', async () => {
  const dir = fresh();
  const s = await FileLearnStore.open(dir, { compactBytes: 1 });
  await s.write([{ op: 'event', id: 'a', event: 1 }]); // compacts into snapshot.json
  await s.close();
  const snap = JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8')) as { schema: number };
  snap.schema = 999;
  writeFileSync(join(dir, 'snapshot.json'), JSON.stringify(snap));
  await assert.rejects(FileLearnStore.open(dir), (e: unknown) => e instanceof RerankError && e.code === 'RERANK_STORE' && /999/.test(e.message) && /version 1/.test(e.message));
});

test('a crash between snapshot and log truncation replays nothing twice', async () => {
  const dir = fresh();
  const s = await FileLearnStore.open(dir);
  await s.write([{ op: 'event', id: 'a', event: 1 }, { op: 'set', ns: 'c', key: 'n', value: 1 }]);
  const logBefore = readFileSync(join(dir, 'log.jsonl'));
  s.compact();
  await s.close();
  writeFileSync(join(dir, 'log.jsonl'), logBefore); // as if truncation never happened
  const t = await FileLearnStore.open(dir);
  const evs: unknown[] = [];
  for await (const e of t.events()) evs.push(e);
  assert.deepEqual(evs, [1]);
  assert.equal(await t.get('c', 'n'), 1);
  await t.close();
});
