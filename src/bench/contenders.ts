import { basename, dirname } from 'node:path';
import type { BatchLimits } from '../backends/onnx/batching.js';
import type { SessionOptions } from '../backends/onnx/session.js';
import { RerankError, messageOf } from '../errors.js';
import type { ModelFiles } from '../models/resolve.js';
import { transformersDtype } from './models.js';
import type { Workload } from './workloads.js';

export const CONTENDERS = ['rerankit', 'transformersjs', 'ort'] as const;
export type ContenderName = (typeof CONTENDERS)[number];

/** One way of scoring a workload end to end (tokenization included): logits per document, in input order. */
export interface Contender {
  readonly name: ContenderName;
  run(w: Workload): Promise<number[][]>;
  close(): Promise<void>;
}

export interface EngineOptions extends SessionOptions {
  batch?: Partial<BatchLimits>;
}

/** rerankit: CrossEncoder.rerank, with length-bucketed batches. */
export async function rerankitContender(files: ModelFiles, dtype: string, longDocuments: 'truncate' | 'chunk', o: EngineOptions): Promise<Contender> {
  const { CrossEncoder } = await import('../backends/onnx/cross-encoder.js');
  const ce = await CrossEncoder.load(files.dir, { dtype, longDocuments, threads: o.threads, graphOptimizationLevel: o.graphOptimizationLevel, batch: o.batch });
  return {
    name: 'rerankit',
    async run(w) {
      const out: number[][] = new Array(w.docs.length);
      // A cross-encoder's results always carry the logits (only order-only rerankers lack them).
      for (const r of await ce.rerank(w.query, w.docs)) out[r.index] = r.logits!;
      return out;
    },
    close: () => ce.close(),
  };
}

/** The subset of Transformers.js the standard use touches. */
interface TransformersJs {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  AutoTokenizer: { from_pretrained(id: string): Promise<(q: string[], o: object) => Record<string, unknown>> };
  AutoModelForSequenceClassification: { from_pretrained(id: string, o: object): Promise<TjsModel> };
}
type TjsModel = ((inputs: Record<string, unknown>) => Promise<{ logits: { tolist(): number[][] } }>) & { dispose(): Promise<void> };

const TJS = '@huggingface/transformers';

/**
 * Transformers.js, or undefined where it is not installed: it is an optional contender (a dev
 * dependency, not a dependency), imported by a computed name so the build does not need it.
 */
export async function importTransformers(): Promise<TransformersJs | undefined> {
  try {
    return (await import(TJS)) as TransformersJs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && messageOf(e).includes(`'${TJS}'`)) return undefined;
    throw new RerankError('RERANK_UNAVAILABLE', `cannot load Transformers.js: ${messageOf(e)}`);
  }
}

/** The requested contenders that can run here: an absent Transformers.js is dropped with one warning. */
export async function usableContenders<T extends string>(names: T[], warn: (line: string) => void): Promise<T[]> {
  if (!names.includes('transformersjs' as T) || (await importTransformers())) return names;
  warn(`skipping transformersjs: ${TJS} is not installed (it is optional: see "--compare" in docs/bench.md)`);
  return names.filter((n) => n !== 'transformersjs');
}

/**
 * Transformers.js used the standard way: AutoTokenizer + AutoModelForSequenceClassification, all pairs
 * in one call with padding=true and truncation=true, loading the same folder offline.
 */
export async function transformersContender(files: ModelFiles, o: EngineOptions): Promise<Contender> {
  const t = await importTransformers();
  if (!t) throw new RerankError('RERANK_UNAVAILABLE', `Transformers.js is not installed (npm install ${TJS}@^3)`);
  t.env.allowRemoteModels = false;
  t.env.allowLocalModels = true;
  t.env.localModelPath = `${dirname(files.dir)}/`;
  const id = basename(files.dir);
  const tokenizer = await t.AutoTokenizer.from_pretrained(id);
  // Standard use plus one setting all contenders share: no spin-waiting threads after a call, which in an
  // interleaved run would slow down whichever session runs next (see session.ts).
  const sessionOptions = {
    ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
    ...(o.graphOptimizationLevel ? { graphOptimizationLevel: o.graphOptimizationLevel } : {}),
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const model = await t.AutoModelForSequenceClassification.from_pretrained(id, { dtype: transformersDtype(files.onnxPath), session_options: sessionOptions });
  return {
    name: 'transformersjs',
    async run(w) {
      const inputs = tokenizer(w.docs.map(() => w.query), { text_pair: w.docs, padding: true, truncation: true });
      return (await model(inputs)).logits.tolist();
    },
    close: () => model.dispose(),
  };
}
