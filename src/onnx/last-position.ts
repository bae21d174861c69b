import protobuf from 'protobufjs';
import { ONNX_PROTO } from './onnx.proto.js';

/**
 * Rewrites a causal LM export so that its `logits` output holds only the last position, [b, 1, vocab]
 * instead of [b, s, vocab]. ONNX Runtime can only hand back whole graph outputs (fetching fewer outputs
 * or into a preallocated buffer still computes and fills the full tensor), so the graph itself must ask
 * for less: a Slice of the sequence axis is put in front of the LM head, which then runs on one position
 * (for Qwen3 the head is 151,669 × 1024 multiply-adds per token, more than a layer).
 *
 * The edit is made on the protobuf fields, not on a decoded model: initializers (gigabytes for real
 * models, or external data) are copied as bytes, and only nodes and outputs are decoded.
 */

export interface LastPositionEdit {
  bytes: Uint8Array;
  /** 'head': the LM head runs on the last position only; 'output': the head runs on all, only the copy out shrinks. */
  how: 'head' | 'output';
}

/** Tag numbers of onnx.proto (ModelProto.graph, GraphProto.node/initializer/output, TensorProto.name). */
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_OUTPUT = 12;
const TENSOR_NAME = 8;

/** Ops that multiply an activation by a constant weight: the LM head (quantized forms included). */
const WEIGHT_OPS = new Set(['MatMul', 'Gemm', 'Einsum', 'MatMulNBits', 'FusedMatMul', 'MatMulInteger', 'MatMulIntegerToFloat', 'DynamicQuantizeMatMul']);
/** Ops after the head that act on each position alone (scales, soft-capping, dequantization). */
const ELEMENTWISE = new Set(['Mul', 'Div', 'Add', 'Sub', 'Tanh', 'Cast', 'Identity']);
/** Ops that turn constants into constants (a transposed or dequantized tied embedding). */
const CONST_OPS = new Set(['Transpose', 'Cast', 'DequantizeLinear', 'Reshape', 'Unsqueeze', 'Squeeze', 'Identity']);

interface Field {
  tag: number;
  /** The whole entry (tag, length and payload). */
  start: number;
  end: number;
  /** The payload of a length-delimited field. */
  body: [number, number];
}

interface NodeMsg {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  domain?: string;
}

let root: protobuf.Root | undefined;
const type = (name: string) => (root ??= protobuf.parse(ONNX_PROTO, { keepCase: false }).root).lookupType(`onnx.${name}`);

/**
 * The model with `output` (default 'logits') cut to the last position, or undefined when that output
 * is not [batch, sequence, vocab] (a classification head's [batch, labels]) or the graph is not one
 * this edit understands.
 */
export function lastPositionLogits(model: Uint8Array, output = 'logits'): LastPositionEdit | undefined {
  const top = fields(model, 0, model.length);
  const graphField = top.find((f) => f.tag === MODEL_GRAPH);
  if (!graphField) return undefined;
  const entries = fields(model, ...graphField.body);
  if (rankOf(model, entries, output) !== 3) return undefined;
  const nodes = entries.filter((f) => f.tag === GRAPH_NODE).map((f) => ({ field: f, node: decodeNode(model, f) }));
  const consts = constants(model, entries, nodes.map((n) => n.node));
  const producer = new Map(nodes.flatMap((n) => n.node.output.map((o) => [o, n] as const)));
  const head = headInput(output, producer, consts);
  const last = `${output}/rerankit_last`;
  const starts = `${last}/starts`;
  const ends = `${last}/ends`;
  const axes = `${last}/axes`;
  // Node entries to replace, by their place in the graph: the head's readers read the sliced input
  // (the Slice goes in front of the first of them); or, failing that, the output is sliced after the head.
  const replaced = new Map<Field, NodeMsg[]>();
  if (head?.readers.length) {
    const first = head.readers.reduce((a, b) => (a.field.start < b.field.start ? a : b));
    for (const r of head.readers) {
      const node = { ...r.node, input: r.node.input.map((i) => (i === head.input ? last : i)) };
      replaced.set(r.field, r === first ? [slice(head.input, last), node] : [node]);
    }
  } else {
    const p = producer.get(output);
    if (!p) return undefined;
    const full = `${output}/rerankit_all_positions`;
    replaced.set(p.field, [{ ...p.node, output: p.node.output.map((o) => (o === output ? full : o)) }, slice(full, output)]);
  }
  const inits = [int64(starts, -1n), int64(ends, 2n ** 63n - 1n), int64(axes, 1n)];
  const parts: Uint8Array[] = [];
  let at = graphField.body[0];
  for (const f of [...replaced.keys()].sort((a, b) => a.start - b.start)) {
    parts.push(model.subarray(at, f.start), ...replaced.get(f)!.map((n) => entry(GRAPH_NODE, type('NodeProto').encode(type('NodeProto').fromObject(n)).finish())));
    at = f.end;
  }
  const body = concat([...parts, model.subarray(at, graphField.body[1]), ...inits.map((t) => entry(GRAPH_INITIALIZER, t))]);
  const bytes = concat([model.subarray(0, graphField.start), entry(MODEL_GRAPH, body), model.subarray(graphField.end)]);
  return { bytes, how: head?.readers.length ? 'head' : 'output' };

  function slice(from: string, to: string): NodeMsg {
    return { name: `${to}/Slice`, opType: 'Slice', input: [from, starts, ends, axes], output: [to] };
  }
}

type Located = { field: Field; node: NodeMsg };

/**
 * The LM head's activation input and the head's nodes that read it: walking back from the output
 * through elementwise ops to weight ops (MatMul, Einsum, Gemm... with a constant weight), passing the
 * DynamicQuantizeLinear of an int8 head (whose scale path joins the same input). Every path must end
 * at one tensor; anything else (an attention, a reshape) and it is undefined.
 */
function headInput(output: string, producer: Map<string, Located>, consts: Set<string>): { input: string; readers: Located[] } | undefined {
  const readers = new Set<Located>();
  const seen = new Map<string, string | undefined>();
  const walk = (t: string, depth: number): string | undefined => {
    if (seen.has(t)) return seen.get(t);
    const at = producer.get(t);
    let found: string | undefined;
    if (at && depth < 24) {
      const op = at.node.opType ?? '';
      const live = at.node.input.filter((i) => i && !consts.has(i));
      if (WEIGHT_OPS.has(op) && at.node.input[1] && consts.has(at.node.input[1]) && at.node.input[0] && !consts.has(at.node.input[0])) {
        found = source(at.node.input[0], at);
      } else if (op === 'DynamicQuantizeLinear' && live.length === 1) {
        found = live[0];
        readers.add(at);
      } else if (ELEMENTWISE.has(op) && live.length >= 1) {
        const ends = new Set(live.map((i) => walk(i, depth + 1)));
        found = ends.size === 1 ? [...ends][0] : undefined;
      }
    }
    seen.set(t, found);
    return found;
  };
  // A weight op's activation: the tensor itself, or what its DynamicQuantizeLinear quantizes.
  const source = (a: string, reader: Located): string => {
    const q = producer.get(a);
    if (q?.node.opType === 'DynamicQuantizeLinear' && q.node.input[0]) {
      readers.add(q);
      return q.node.input[0];
    }
    readers.add(reader);
    return a;
  };
  const input = walk(output, 0);
  return input ? { input, readers: [...readers].filter((r) => r.node.input.includes(input)) } : undefined;
}

/** Names of initializers, Constant node outputs, and outputs of shape/type ops applied to constants only. */
function constants(bytes: Uint8Array, entries: Field[], nodes: NodeMsg[]): Set<string> {
  const out = new Set(entries.filter((f) => f.tag === GRAPH_INITIALIZER).map((f) => tensorName(bytes, f)));
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of nodes) {
      const isConst = n.opType === 'Constant' || (CONST_OPS.has(n.opType ?? '') && n.input.every((i) => !i || out.has(i)));
      if (!isConst) continue;
      for (const o of n.output) {
        if (out.has(o)) continue;
        out.add(o);
        grew = true;
      }
    }
  }
  return out;
}

/** The rank of a graph output as its value info declares it (undefined when absent). */
function rankOf(bytes: Uint8Array, entries: Field[], name: string): number | undefined {
  const T = type('ValueInfoProto');
  for (const f of entries.filter((e) => e.tag === GRAPH_OUTPUT)) {
    const v = T.toObject(T.decode(bytes.subarray(...f.body)), { defaults: false }) as { name?: string; type?: { tensorType?: { shape?: { dim?: unknown[] } } } };
    if (v.name === name) return v.type?.tensorType?.shape?.dim?.length;
  }
  return undefined;
}

function decodeNode(bytes: Uint8Array, f: Field): NodeMsg {
  const T = type('NodeProto');
  return T.toObject(T.decode(bytes.subarray(...f.body)), { longs: Number, bytes: Uint8Array as never, defaults: false, arrays: true }) as NodeMsg;
}

function tensorName(bytes: Uint8Array, f: Field): string {
  const name = fields(bytes, ...f.body).find((x) => x.tag === TENSOR_NAME);
  return name ? new TextDecoder().decode(bytes.subarray(...name.body)) : '';
}

function int64(name: string, value: bigint): Uint8Array {
  const T = type('TensorProto');
  const raw = new Uint8Array(BigInt64Array.of(value).buffer);
  return T.encode(T.fromObject({ name, dims: [1], dataType: 7, rawData: raw })).finish();
}

// ---- protobuf wire format: just enough to find and splice fields ----

/** The top-level fields of a message in bytes[from, to). */
function fields(bytes: Uint8Array, from: number, to: number): Field[] {
  const out: Field[] = [];
  let p = from;
  while (p < to) {
    const start = p;
    const [key, a] = varint(bytes, p);
    p = a;
    const tag = Number(key >> 3n);
    const wire = Number(key & 7n);
    let body: [number, number] = [p, p];
    if (wire === 0) p = varint(bytes, p)[1];
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const [len, b] = varint(bytes, p);
      body = [b, b + Number(len)];
      p = body[1];
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (p > to) throw new Error('truncated protobuf message');
    out.push({ tag, start, end: p, body });
  }
  return out;
}

function varint(bytes: Uint8Array, p: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (p >= bytes.length) throw new Error('truncated varint');
    const b = bytes[p++]!;
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [v, p];
    shift += 7n;
  }
}

function encodeVarint(v: number): Uint8Array {
  const out: number[] = [];
  let n = BigInt(v);
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Uint8Array.from(out);
}

/** A length-delimited field: tag, length, payload. */
function entry(tag: number, payload: Uint8Array): Uint8Array {
  return concat([encodeVarint((tag << 3) | 2), encodeVarint(payload.length), payload]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
