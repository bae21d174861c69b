import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { seededRandom } from '../src/util/random.js';
import { runCli } from './helpers/cli.js';

const CONFIG = fileURLToPath(new URL('./fixtures/learn/metarank.yml', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'rerankit-learn-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const cli = runCli;

/** A small log: 120 rankings of 6 items; users click red items more, and whatever is on top a little. */
function events(): string {
  const rng = seededRandom(5);
  const colors = ['red', 'green', 'blue'];
  const out: unknown[] = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 12; i++) out.push({ event: 'item', id: `item-${i}`, item: `p${i}`, timestamp: new Date(t0).toISOString(), fields: [{ name: 'price', value: 10 + i }, { name: 'color', value: colors[i % 3] }] });
  for (let r = 0; r < 120; r++) {
    const ids = Array.from({ length: 12 }, (_, i) => `p${i}`).sort(() => rng() - 0.5).slice(0, 6);
    const ts = t0 + r * 60_000;
    out.push({ event: 'ranking', id: `r${r}`, timestamp: String(ts), user: `u${r % 7}`, items: ids.map((id, k) => ({ id, fields: [{ name: 'relevancy', value: 6 - k }] })) });
    ids.forEach((id, k) => {
      const red = Number(id.slice(1)) % 3 === 0;
      if (rng() < (red ? 0.6 : 0.05) / (1 + k * 0.2)) out.push({ event: 'interaction', id: `c${r}-${id}`, ranking: `r${r}`, type: 'click', item: id, timestamp: String(ts + 1000), user: `u${r % 7}` });
    });
  }
  return out.map((e) => JSON.stringify(e)).join('\n');
}

test('learn import (gzip) → train → evaluate, persisted in --dir between processes', () => {
  const file = join(tmp, 'events.jsonl.gz');
  writeFileSync(file, gzipSync(events()));
  const dir = join(tmp, 'state');
  const imp = cli(['learn', 'import', file, '--config', CONFIG, '--dir', dir, '--json']);
  assert.equal(imp.code, 0, imp.stderr);
  const got = JSON.parse(imp.stdout) as { events: number; clickthroughs: number };
  assert.equal(got.clickthroughs, 120);
  const tr = cli(['learn', 'train', '--config', CONFIG, '--dir', dir, '--json']);
  assert.equal(tr.code, 0, tr.stderr);
  const report = JSON.parse(tr.stdout) as { default: { features: { name: string }[]; iterations: unknown[]; sizeBytes: number } };
  assert.deepEqual(report.default.features.map((f) => f.name), ['relevancy', 'price', 'color', 'clicks', 'ctr', 'liked_color']);
  assert.equal(report.default.iterations.length, 20);
  const ev = cli(['learn', 'evaluate', '--config', CONFIG, '--dir', dir, '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const [r] = JSON.parse(ev.stdout) as { testRankings: number; metrics: Record<string, number>; displayed: Record<string, number> }[];
  assert.equal(r!.testRankings > 0, true);
  // Clicks follow colour, not the displayed order: the model beats the order the log shows.
  assert.ok(r!.metrics['NDCG@10']! > r!.displayed['NDCG@10']!, JSON.stringify(r));
  const text = cli(['learn', 'evaluate', '--config', CONFIG, '--dir', dir]);
  assert.match(text.stdout, /NDCG@10: model 0\.\d+ {2}displayed order 0\.\d+/);
});

test('learn errors: a bad event names its line index and field, a bad config names its key; exit 1, nothing imported', () => {
  const bad = join(tmp, 'bad.jsonl');
  writeFileSync(bad, `${JSON.stringify({ event: 'item', id: 'a', item: 'x', timestamp: '1' })}\n${JSON.stringify({ event: 'ranking', id: 'r', timestamp: 'noon', items: [{ id: 'x' }] })}\n`);
  const dir = join(tmp, 'state2');
  const r = cli(['learn', 'import', bad, '--config', CONFIG, '--dir', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^rerankit: error \[RERANK_BAD_EVENT\]: event 1: field "timestamp"/m);
  const cfg = join(tmp, 'bad.yml');
  writeFileSync(cfg, 'features:\n  - name: x\n    type: number\n    field: item.x\n    colour: red\nmodels:\n  m:\n    type: noop\n');
  const c = cli(['learn', 'train', '--config', cfg, '--dir', dir]);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /RERANK_CONFIG\]: .*bad\.yml: features\[0\] \(x\): unknown option "colour"/);
  const t = cli(['learn', 'train', '--config', CONFIG, '--dir', dir]);
  assert.equal(t.code, 1);
  assert.match(t.stderr, /no click-throughs/);
});
