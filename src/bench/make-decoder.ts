import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attrInt, attrInts } from '../onnx/graph.js';
import { DataType, writeModel, type Model } from '../onnx/model.js';
import { GraphBuilder, randomWeights } from './graph-builder.js';

/** A Qwen3-style decoder's shape (speed depends on these, not on weight values). */
export interface DecoderShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  seed?: number;
}

/** Qwen3-0.6B's width (hidden 1024, 16 heads, 8 kv heads, head_dim 128, intermediate 3072) with 4 of its 28 layers. */
export const QWEN3_06B_4L: Omit<DecoderShape, 'vocab'> = { hidden: 1024, layers: 4, heads: 16, kvHeads: 8, headDim: 128, intermediate: 3072 };

const EPS = 1e-6;
const ROPE_THETA = 1e6;
const LOWEST = -3.4028234663852886e38;
/** onnx.TensorProto.DataType.BOOL. */
const BOOL = 9;

/**
 * A Qwen3 causal LM in the layout of optimum / transformers.js exports (opset 17): input_ids,
 * attention_mask [b, past + s], position_ids, past_key_values.{i}.key/.value [b, kv, past, head_dim]
 * → logits [b, s, vocab] and present.{i}.key/.value. RMSNorm (also on q and k per head), rotary
 * positions from position_ids, grouped-query attention with a causal + padding mask, SiLU-gated MLP,
 * untied LM head.
 */
export function makeDecoderModel(s: DecoderShape): Model {
  const g = new GraphBuilder();
  let seed = s.seed ?? 7;
  const w = (name: string, dims: number[], std = 0.02) => g.init(name, dims, randomWeights(dims.reduce((a, b) => a * b, 1), seed++, std));
  const ones = (name: string, n: number) => g.init(name, [n], new Float32Array(n).fill(1));
  const rms = (x: string, weight: string) => {
    const mean = g.op('ReduceMean', [g.op('Pow', [x, g.scalar('two', 2)])], [attrInts('axes', [-1]), attrInt('keepdims', 1)]);
    const inv = g.op('Div', [g.scalar('one', 1), g.op('Sqrt', [g.op('Add', [mean, g.scalar('eps', EPS)])])]);
    return g.op('Mul', [g.op('Mul', [x, inv]), weight]);
  };
  let x = g.op('Gather', [w('embed_tokens.weight', [s.vocab, s.hidden]), 'input_ids']);
  const rope = rotary(g, s.headDim);
  const bias = maskBias(g);
  for (let l = 0; l < s.layers; l++) {
    const p = `layers.${l}`;
    const h = rms(x, ones(`${p}.input_layernorm.weight`, s.hidden));
    const attn = attention(g, s, l, h, rope, bias, w, ones, rms);
    x = g.op('Add', [x, g.op('MatMul', [attn, w(`${p}.self_attn.o_proj.weight`, [s.heads * s.headDim, s.hidden])])]);
    const h2 = rms(x, ones(`${p}.post_attention_layernorm.weight`, s.hidden));
    const gate = g.op('MatMul', [h2, w(`${p}.mlp.gate_proj.weight`, [s.hidden, s.intermediate])]);
    const up = g.op('MatMul', [h2, w(`${p}.mlp.up_proj.weight`, [s.hidden, s.intermediate])]);
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    x = g.op('Add', [x, g.op('MatMul', [act, w(`${p}.mlp.down_proj.weight`, [s.intermediate, s.hidden])])]);
  }
  const final = rms(x, ones('norm.weight', s.hidden));
  g.nodes.push({ name: 'lm_head', opType: 'MatMul', input: [final, w('lm_head.weight', [s.hidden, s.vocab])], output: ['logits'] });
  const past = Array.from({ length: s.layers }, (_, l) => ['key', 'value'].map((kv) => `past_key_values.${l}.${kv}`)).flat();
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'rerankit',
    graph: {
      name: 'decoder',
      node: g.nodes,
      initializer: g.initializers,
      input: [
        valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
        valueInfo('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']),
        valueInfo('position_ids', DataType.INT64, ['batch_size', 'sequence_length']),
        ...past.map((n) => valueInfo(n, DataType.FLOAT, ['batch_size', s.kvHeads, 'past_sequence_length', s.headDim])),
      ],
      output: [
        valueInfo('logits', DataType.FLOAT, ['batch_size', 'sequence_length', s.vocab]),
        ...past.map((n) => valueInfo(n.replace('past_key_values', 'present'), DataType.FLOAT, ['batch_size', s.kvHeads, 'total_sequence_length', s.headDim])),
      ],
    },
  };
}

function valueInfo(name: string, elemType: number, dims: (string | number)[]) {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } };
}

/** cos and sin of position_ids × inv_freq, [b, 1, s, head_dim] (the halves repeated, as HF's rotary embedding). */
function rotary(g: GraphBuilder, d: number): { cos: string; sin: string } {
  const inv = Float32Array.from({ length: d / 2 }, (_, i) => 1 / ROPE_THETA ** ((2 * i) / d));
  const pos = g.op('Unsqueeze', [g.op('Cast', ['position_ids'], [attrInt('to', DataType.FLOAT)]), g.ints('axis_last', [2])]);
  const freqs = g.op('Mul', [pos, g.init('inv_freq', [d / 2], inv)]);
  const emb = g.op('Unsqueeze', [g.op('Concat', [freqs, freqs], [attrInt('axis', -1)]), g.ints('axis_heads', [1])]);
  return { cos: g.op('Cos', [emb]), sin: g.op('Sin', [emb]) };
}

/**
 * 0 where query i (at absolute position past + i) may attend key j — j ≤ past + i and the mask is 1 —
 * and the lowest float elsewhere: [b, 1, 1, s, past + s], broadcast over kv heads and their groups.
 */
function maskBias(g: GraphBuilder): string {
  const i64 = (name: string, v: number) => g.init(name, [], BigInt64Array.of(BigInt(v)), DataType.INT64);
  const total = g.op('Squeeze', [g.op('Gather', [g.op('Shape', ['attention_mask']), g.ints('dim1', [1])]), g.ints('axis0', [0])]);
  const seq = g.op('Squeeze', [g.op('Gather', [g.op('Shape', ['input_ids']), 'dim1']), 'axis0']);
  const keys = g.op('Range', [i64('zero', 0), total, i64('step', 1)]);
  const queries = g.op('Add', [g.op('Range', ['zero', seq, 'step']), g.op('Sub', [total, seq])]);
  const causal = g.op('LessOrEqual', [g.op('Unsqueeze', [keys, 'axis0']), g.op('Unsqueeze', [queries, g.ints('axis1', [1])])]);
  const padding = g.op('Cast', [g.op('Unsqueeze', ['attention_mask', g.ints('mask_axes', [1, 2, 3])])], [attrInt('to', BOOL)]);
  const allowed = g.op('And', [causal, padding]);
  return g.op('Where', [allowed, g.scalar('zero_f', 0), g.scalar('lowest', LOWEST)]);
}

type Weights = (name: string, dims: number[], std?: number) => string;

/** One layer's grouped-query attention; writes present.{l}.key/.value; returns [b, s, heads × head_dim]. */
function attention(
  g: GraphBuilder, s: DecoderShape, l: number, h: string, rope: { cos: string; sin: string }, bias: string,
  w: Weights, ones: (name: string, n: number) => string, rms: (x: string, weight: string) => string,
): string {
  const p = `layers.${l}.self_attn`;
  const D = s.headDim;
  const group = s.heads / s.kvHeads;
  const split = (t: string, heads: number) => g.op('Reshape', [t, g.ints(`split_${heads}`, [0, 0, heads, D])]);
  const toHeads = (t: string) => g.op('Transpose', [t], [attrInts('perm', [0, 2, 1, 3])]);
  const rotate = (t: string) => {
    const half = (from: number, to: number) => g.op('Slice', [t, g.ints(`half_from_${from}`, [from]), g.ints(`half_to_${to}`, [to]), g.ints('axis_d', [3])]);
    const rotated = g.op('Concat', [g.op('Neg', [half(D / 2, D)]), half(0, D / 2)], [attrInt('axis', -1)]);
    return g.op('Add', [g.op('Mul', [t, rope.cos]), g.op('Mul', [rotated, rope.sin])]);
  };
  const q = rotate(toHeads(rms(split(g.op('MatMul', [h, w(`${p}.q_proj.weight`, [s.hidden, s.heads * D])]), s.heads), ones(`${p}.q_norm.weight`, D))));
  const k = rotate(toHeads(rms(split(g.op('MatMul', [h, w(`${p}.k_proj.weight`, [s.hidden, s.kvHeads * D])]), s.kvHeads), ones(`${p}.k_norm.weight`, D))));
  const v = toHeads(split(g.op('MatMul', [h, w(`${p}.v_proj.weight`, [s.hidden, s.kvHeads * D])]), s.kvHeads));
  const concat = (past: string, now: string, out: string) => {
    g.nodes.push({ name: out, opType: 'Concat', input: [past, now], output: [out], attribute: [attrInt('axis', 2)] });
    return out;
  };
  const keys = concat(`past_key_values.${l}.key`, k, `present.${l}.key`);
  const values = concat(`past_key_values.${l}.value`, v, `present.${l}.value`);
  // Grouped queries: [b, kv, group, s, D] against keys [b, kv, 1, total, D], broadcast over the group.
  const q5 = g.op('Reshape', [q, g.ints('q_groups', [0, s.kvHeads, group, -1, D])]);
  const k5 = g.op('Unsqueeze', [keys, g.ints('axis2', [2])]);
  const v5 = g.op('Unsqueeze', [values, 'axis2']);
  const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q5, g.op('Transpose', [k5], [attrInts('perm', [0, 1, 2, 4, 3])])]), g.scalar('scale', 1 / Math.sqrt(D))]), bias]);
  const ctx = g.op('MatMul', [g.op('Softmax', [scores], [attrInt('axis', -1)]), v5]);
  const heads = g.op('Reshape', [ctx, g.ints('merge_groups', [0, s.heads, -1, D])]);
  return g.op('Reshape', [g.op('Transpose', [heads], [attrInts('perm', [0, 2, 1, 3])]), g.ints('merge_heads', [0, 0, s.heads * D])]);
}

/** A Hugging Face style folder: config.json (Qwen3ForCausalLM), the tokenizer files, onnx/model.onnx. */
export async function writeDecoderFolder(dir: string, shape: DecoderShape, tokenizerDir: string): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(tokenizerDir, f), join(dir, f));
  await writeFile(join(dir, 'config.json'), JSON.stringify(decoderConfig(shape), null, 2));
  await writeModel(join(dir, 'onnx', 'model.onnx'), makeDecoderModel(shape));
}

function decoderConfig(s: DecoderShape): Record<string, unknown> {
  return {
    architectures: ['Qwen3ForCausalLM'],
    model_type: 'qwen3',
    hidden_size: s.hidden,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    head_dim: s.headDim,
    intermediate_size: s.intermediate,
    hidden_act: 'silu',
    max_position_embeddings: 40960,
    rms_norm_eps: EPS,
    rope_theta: ROPE_THETA,
    tie_word_embeddings: false,
    vocab_size: s.vocab,
    use_cache: true,
    torch_dtype: 'float32',
  };
}
