import type { Command } from 'commander';
import { RerankError } from '../../errors.js';
import { fsErrorText } from '../../util/fs-errors.js';
import type { Learner } from '../../learn/learner.js';
import { printJson } from '../util.js';

interface Flags { config: string; dir?: string; model?: string; batch?: string; json?: boolean }

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Opens the learner of a Metarank YAML file: its features, the learned entries of `models`, core and state. */
async function open(flags: Flags): Promise<Learner> {
  const { readFile } = await import('node:fs/promises');
  const { parse } = await import('yaml');
  let doc: unknown;
  let text: string;
  try { text = await readFile(flags.config, 'utf8'); } catch (e) { throw new RerankError('RERANK_FILE', `--config ${flags.config}: ${fsErrorText(e)}`); }
  try { doc = parse(text); } catch (e) { throw new RerankError('RERANK_CONFIG', `${flags.config}: ${(e as Error).message}`); }
  if (!isMap(doc)) throw new RerankError('RERANK_CONFIG', `${flags.config}: not a YAML map`);
  const { Learner, LEARNED_MODEL_TYPES, parseLearnConfig } = await import('../../learn/learner.js');
  const models = isMap(doc.models) ? Object.fromEntries(Object.entries(doc.models).filter(([, m]) => isMap(m) && (LEARNED_MODEL_TYPES as readonly unknown[]).includes(m.type))) : {};
  let config;
  try { config = parseLearnConfig({ features: doc.features, models, core: doc.core, state: doc.state }); } catch (e) {
    if (e instanceof RerankError) throw new RerankError(e.code, `${flags.config}: ${e.message}`);
    throw e;
  }
  return Learner.open(config, flags.dir ? { dir: flags.dir } : {});
}

function modelsOf(l: Learner, flags: Flags): string[] {
  const lm = l.models().filter((m) => (l.config.models[m]!.type === 'lambdamart'));
  if (flags.model === undefined) {
    if (lm.length === 0) throw new RerankError('RERANK_CONFIG', `${flags.config}: no lambdamart model in models:`);
    return lm;
  }
  if (!l.models().includes(flags.model)) throw new RerankError('RERANK_MODEL_NOT_FOUND', `model "${flags.model}" is not in ${flags.config} (models: ${l.models().join(', ') || 'none'})`);
  return [flags.model];
}

const common = (c: Command): Command => c
  .requiredOption('--config <file>', 'the Metarank-style YAML (features, models, core, state)')
  .option('--dir <path>', 'the learning store (default: state.path of the config, else ./rerankit-state)')
  .option('--json', 'machine-readable output');

export function register(program: Command): void {
  const learn = program.command('learn').description('learn to rank from feedback offline: import Metarank event logs, train LambdaMART, evaluate (docs/learning.md)');
  common(learn.command('import <events>').description('validate and import Metarank events (JSON lines or a JSON array, .gz too) into the store'))
    .option('--batch <n>', 'events per atomic write', '1000')
    .addHelpText('after', `
Examples:
  rerankit learn import events.jsonl.gz --config metarank.yml
  rerankit learn import events.jsonl --config metarank.yml --dir ./state --json`)
    .action(async (file: string, flags: Flags) => {
      const { readEventFile, parseEvents } = await import('../../learn/events.js');
      const raws = await readEventFile(file);
      parseEvents(raws); // the whole file is checked before anything is written
      const l = await open(flags);
      const size = Math.max(1, Number(flags.batch) || 1000);
      const { progressBar } = await import('../../util/progress.js');
      const bar = await progressBar('import', { unit: 'events' });
      let updated = 0;
      try {
        for (let i = 0; i < raws.length; i += size) {
          updated += (await l.feedback(raws.slice(i, i + size))).updated;
          bar.update(Math.min(raws.length, i + size), raws.length);
        }
      } finally { bar.stop(); }
      const out = { file, events: raws.length, updated, clickthroughs: l.clickthroughs().length };
      await l.close();
      if (flags.json) return printJson(out);
      process.stdout.write(`imported ${out.events} events from ${file}: ${out.clickthroughs} click-throughs in the store\n`);
    });
  common(learn.command('train').description('train the config\'s lambdamart models on the stored click-throughs (Metarank\'s training report)'))
    .option('--model <name>', 'only this model')
    .addHelpText('after', `
Examples:
  rerankit learn train --config metarank.yml
  rerankit learn train --config metarank.yml --model default --json`)
    .action(async (flags: Flags) => {
      const l = await open(flags);
      const { progressBar } = await import('../../util/progress.js');
      const reports: Record<string, unknown> = {};
      for (const name of modelsOf(l, flags)) {
        const bar = await progressBar(`train ${name}`, { unit: 'trees' });
        try { reports[name] = await l.train(name, { onIteration: bar.update }); } finally { bar.stop(); }
      }
      await l.close();
      if (flags.json) return printJson(reports);
      for (const [name, r] of Object.entries(reports) as [string, { iterations: { trainMetric: number; testMetric: number }[]; sizeBytes: number; features: { name: string; weight: Record<string, unknown> }[] }][]) {
        const last = r.iterations.at(-1);
        process.stdout.write(`${name}: ${r.iterations.length} trees, ${r.sizeBytes} bytes, train NDCG ${last?.trainMetric.toFixed(4)}, test NDCG ${last ? (Number.isNaN(last.testMetric) ? 'n/a' : last.testMetric.toFixed(4)) : 'n/a'}\n`);
        for (const f of r.features) process.stdout.write(`  ${f.name}: ${JSON.stringify(f.weight)}\n`);
      }
    });
  common(learn.command('evaluate').description('the trained models\' eval metrics on the test split, beside the displayed order'))
    .option('--model <name>', 'only this model')
    .addHelpText('after', `
Examples:
  rerankit learn evaluate --config metarank.yml --json`)
    .action(async (flags: Flags) => {
      const l = await open(flags);
      const out = [];
      for (const name of modelsOf(l, flags)) out.push(await l.evaluate(name));
      await l.close();
      if (flags.json) return printJson(out);
      for (const r of out) {
        process.stdout.write(`${r.model} (${r.testRankings} test rankings)\n`);
        for (const [k, v] of Object.entries(r.metrics)) process.stdout.write(`  ${k}: model ${v.toFixed(4)}  displayed order ${r.displayed[k]!.toFixed(4)}\n`);
      }
    });
}
