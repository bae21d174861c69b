import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attrFloat, attrInt, attrInts } from '../onnx/graph.js';
import { DataType, writeModel, type Model } from '../onnx/model.js';
import { GraphBuilder, randomWeights } from './graph-builder.js';

export interface EncoderShape {
  arch: 'bert' | 'xlm-roberta';
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
  labels?: number;
  seed?: number;
}

/** Real model shapes with random weights, for speed work (speed does not depend on weight values). */
export const SHAPES: Record<string, EncoderShape> = {
  'minilm-l6': { arch: 'bert', hidden: 384, layers: 6, heads: 12, intermediate: 1536, vocab: 30522, maxPositions: 512 },
  'minilm-l12': { arch: 'bert', hidden: 384, layers: 12, heads: 12, intermediate: 1536, vocab: 30522, maxPositions: 512 },
  'bert-base': { arch: 'bert', hidden: 768, layers: 12, heads: 12, intermediate: 3072, vocab: 30522, maxPositions: 512 },
  'xlmr-base': { arch: 'xlm-roberta', hidden: 768, layers: 12, heads: 12, intermediate: 3072, vocab: 250002, maxPositions: 514 },
  /** Not a real model's shape: a seconds-long smoke test of the whole bench (4 MB, mostly the embedding table). */
  tiny: { arch: 'bert', hidden: 32, layers: 2, heads: 4, intermediate: 64, vocab: 30522, maxPositions: 512 },
};

const PAD_XLMR = 1;

/**
 * A sequence-classification encoder in the ops a PyTorch export of Hugging Face BERT / XLM-R produces
 * (opset 17): embeddings, post-LN transformer layers with erf GELU, pooler or RoBERTa head, logits [b, labels].
 */
export function makeEncoderModel(shape: EncoderShape): Model {
  const g = new GraphBuilder();
  let seed = shape.seed ?? 42;
  const w = (name: string, dims: number[], std = 0.02) => g.init(name, dims, randomWeights(dims.reduce((a, b) => a * b, 1), seed++, std));
  const zeros = (name: string, n: number) => g.init(name, [n], new Float32Array(n));
  const ones = (name: string, n: number) => g.init(name, [n], new Float32Array(n).fill(1));
  const H = shape.hidden;
  const layerNorm = (x: string, p: string) => g.op('LayerNormalization', [x, ones(`${p}.weight`, H), zeros(`${p}.bias`, H)], [attrInt('axis', -1), attrFloat('epsilon', shape.arch === 'bert' ? 1e-12 : 1e-5)]);
  const linear = (x: string, p: string, i: number, o: number) => g.op('Add', [g.op('MatMul', [x, w(`${p}.weight`, [i, o])]), w(`${p}.bias`, [o], 0.01)]);

  let x = layerNorm(embeddings(g, shape, w), 'embeddings.LayerNorm');
  const maskBias = attentionMaskBias(g);
  for (let l = 0; l < shape.layers; l++) x = encoderLayer(g, shape, x, maskBias, `encoder.layer.${l}`, linear, layerNorm);
  const cls = g.op('Gather', [x, g.ints('cls_index', [0])], [attrInt('axis', 1)]);
  const first = g.op('Squeeze', [cls, g.ints('squeeze_axes', [1])]);
  const pooled = g.op('Tanh', [linear(first, shape.arch === 'bert' ? 'bert.pooler.dense' : 'classifier.dense', H, H)]);
  const logits = linear(pooled, shape.arch === 'bert' ? 'classifier' : 'classifier.out_proj', H, shape.labels ?? 1);
  g.nodes.push({ name: 'logits', opType: 'Identity', input: [logits], output: ['logits'] });
  const inputs = ['input_ids', 'attention_mask', ...(shape.arch === 'bert' ? ['token_type_ids'] : [])];
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'rerankit',
    graph: {
      name: 'encoder',
      node: g.nodes,
      initializer: g.initializers,
      input: inputs.map((name) => valueInfo(name, DataType.INT64, ['batch', 'sequence'])),
      output: [valueInfo('logits', DataType.FLOAT, ['batch', shape.labels ?? 1])],
    },
  };
}

function valueInfo(name: string, elemType: number, dims: (string | number)[]) {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } };
}

type Weights = (name: string, dims: number[], std?: number) => string;

function embeddings(g: GraphBuilder, s: EncoderShape, w: Weights): string {
  const H = s.hidden;
  const words = g.op('Gather', [w('embeddings.word_embeddings.weight', [s.vocab, H]), 'input_ids']);
  const posTable = w('embeddings.position_embeddings.weight', [s.maxPositions, H]);
  let positions: string;
  if (s.arch === 'bert') {
    const len = g.op('Gather', [g.op('Shape', ['input_ids']), g.ints('one', [1])]);
    const range = g.op('Range', [g.init('zero_i', [], BigInt64Array.of(0n), DataType.INT64), g.op('Squeeze', [len]), g.init('one_i', [], BigInt64Array.of(1n), DataType.INT64)]);
    positions = g.op('Gather', [posTable, range]);
    const types = g.op('Gather', [w('embeddings.token_type_embeddings.weight', [2, H]), 'token_type_ids']);
    return g.op('Add', [g.op('Add', [words, positions]), types]);
  }
  // RoBERTa positions: cumsum of the non-pad mask, offset past the padding index.
  const notPad = g.op('Cast', [g.op('Not', [g.op('Equal', ['input_ids', g.init('pad_i', [], BigInt64Array.of(BigInt(PAD_XLMR)), DataType.INT64)])])], [attrInt('to', DataType.INT64)]);
  const cum = g.op('Mul', [g.op('CumSum', [notPad, g.init('axis1', [], BigInt64Array.of(1n), DataType.INT64)]), notPad]);
  positions = g.op('Gather', [posTable, g.op('Add', [cum, 'pad_i'])]);
  const typeRow = w('embeddings.token_type_embeddings.weight', [H]);
  return g.op('Add', [g.op('Add', [words, positions]), typeRow]);
}

/** (1 - mask) * lowest float, shaped [b, 1, 1, s] to add to attention scores. */
function attentionMaskBias(g: GraphBuilder): string {
  const m = g.op('Cast', [g.op('Unsqueeze', ['attention_mask', g.ints('mask_axes', [1, 2])])], [attrInt('to', DataType.FLOAT)]);
  return g.op('Mul', [g.op('Sub', [g.scalar('one_f', 1), m]), g.scalar('lowest_f', -3.4028234663852886e38)]);
}

function encoderLayer(
  g: GraphBuilder,
  s: EncoderShape,
  x: string,
  maskBias: string,
  p: string,
  linear: (x: string, p: string, i: number, o: number) => string,
  layerNorm: (x: string, p: string) => string,
): string {
  const H = s.hidden;
  const d = H / s.heads;
  const heads = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, g.ints(`${p}.heads_shape`, [0, 0, s.heads, d])])], [attrInts('perm', perm)]);
  const q = heads(linear(x, `${p}.attention.self.query`, H, H), [0, 2, 1, 3]);
  const k = heads(linear(x, `${p}.attention.self.key`, H, H), [0, 2, 3, 1]);
  const v = heads(linear(x, `${p}.attention.self.value`, H, H), [0, 2, 1, 3]);
  const scores = g.op('Add', [g.op('Div', [g.op('MatMul', [q, k]), g.scalar(`${p}.scale`, Math.sqrt(d))]), maskBias]);
  const ctx = g.op('MatMul', [g.op('Softmax', [scores], [attrInt('axis', -1)]), v]);
  const merged = g.op('Reshape', [g.op('Transpose', [ctx], [attrInts('perm', [0, 2, 1, 3])]), g.ints(`${p}.merge_shape`, [0, 0, H])]);
  const attn = layerNorm(g.op('Add', [linear(merged, `${p}.attention.output.dense`, H, H), x]), `${p}.attention.output.LayerNorm`);
  const inter = gelu(g, linear(attn, `${p}.intermediate.dense`, H, s.intermediate), p);
  return layerNorm(g.op('Add', [linear(inter, `${p}.output.dense`, s.intermediate, H), attn]), `${p}.output.LayerNorm`);
}

/** Exact (erf) GELU as PyTorch exports it: x * 0.5 * (1 + erf(x / sqrt 2)). */
function gelu(g: GraphBuilder, x: string, p: string): string {
  const erf = g.op('Erf', [g.op('Div', [x, g.scalar(`${p}.sqrt2`, Math.SQRT2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, g.scalar(`${p}.one`, 1)])]), g.scalar(`${p}.half`, 0.5)]);
}

/** One [n, n] × [n, n] MatMul, to measure the machine's fp32 matrix-multiply peak through ONNX Runtime. */
export function makeMatMulModel(n: number, seed = 1): Model {
  const g = new GraphBuilder();
  g.nodes.push({ name: 'mm', opType: 'MatMul', input: ['a', g.init('b', [n, n], randomWeights(n * n, seed, 1))], output: ['y'] });
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'rerankit',
    graph: { name: 'matmul', node: g.nodes, initializer: g.initializers, input: [valueInfo('a', DataType.FLOAT, ['m', n])], output: [valueInfo('y', DataType.FLOAT, ['m', n])] },
  };
}

/** Writes a complete Hugging Face style model folder: config, tokenizer files, onnx/model.onnx. */
export async function writeModelFolder(dir: string, shape: EncoderShape, tokenizerDir: string): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(tokenizerDir, f), join(dir, f));
  await writeFile(join(dir, 'config.json'), JSON.stringify(configOf(shape), null, 2));
  await writeModel(join(dir, 'onnx', 'model.onnx'), makeEncoderModel(shape));
}

function configOf(s: EncoderShape): Record<string, unknown> {
  const labels = s.labels ?? 1;
  return {
    architectures: [s.arch === 'bert' ? 'BertForSequenceClassification' : 'XLMRobertaForSequenceClassification'],
    model_type: s.arch,
    hidden_size: s.hidden,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    intermediate_size: s.intermediate,
    hidden_act: 'gelu',
    max_position_embeddings: s.maxPositions,
    type_vocab_size: s.arch === 'bert' ? 2 : 1,
    vocab_size: s.vocab,
    layer_norm_eps: s.arch === 'bert' ? 1e-12 : 1e-5,
    pad_token_id: s.arch === 'bert' ? 0 : PAD_XLMR,
    id2label: Object.fromEntries(Array.from({ length: labels }, (_, i) => [String(i), `LABEL_${i}`])),
    label2id: Object.fromEntries(Array.from({ length: labels }, (_, i) => [`LABEL_${i}`, i])),
  };
}
