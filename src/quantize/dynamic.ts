import { RerankError } from '../errors.js';
import { attrInt } from '../onnx/graph.js';
import { DataType, floatsOf, tensor, type Model, type Node, type Tensor } from '../onnx/model.js';
import { quantizeWeights, type WeightQuantOptions } from './weights.js';

export type DynamicQuantOptions = WeightQuantOptions;

export const DEFAULT_QUANT: DynamicQuantOptions = { weightType: 'int8', perChannel: true, reduceRange: true };

export interface QuantReport {
  quantized: number;
  skipped: number;
}

/**
 * Dynamic int8 quantization as ONNX Runtime's quantize_dynamic does it: every MatMul / Gemm with a constant
 * 2-D weight becomes DynamicQuantizeLinear(activations) → MatMulInteger → Cast → Mul(scales), which
 * ONNX Runtime fuses into its int8 kernels at load time. Activations are quantized at run time.
 */
export function quantizeDynamic(model: Model, o: DynamicQuantOptions = DEFAULT_QUANT): QuantReport {
  const opset = model.opsetImport.find((s) => !s.domain)?.version ?? 0;
  if (opset < 11) throw new RerankError('RERANK_ONNX_INVALID', `dynamic quantization needs opset >= 11, the model has ${opset}`);
  const g = model.graph;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const uses = countUses(g.node);
  const rewriter = new Rewriter(inits, o);
  const nodes: Node[] = [];
  let quantized = 0;
  let skipped = 0;
  for (const node of g.node) {
    const replacement = rewriter.rewrite(node);
    if (replacement) {
      nodes.push(...replacement);
      quantized++;
    } else {
      if (node.opType === 'MatMul' || node.opType === 'Gemm') skipped++;
      nodes.push(node);
    }
  }
  g.node = nodes;
  const stillUsed = countUses(nodes);
  // Float weights that only fed quantized nodes are dropped; that is where the 4x size saving comes from.
  g.initializer = [...g.initializer.filter((t) => stillUsed.has(t.name) || !uses.has(t.name)), ...rewriter.added];
  return { quantized, skipped };
}

function countUses(nodes: Node[]): Set<string> {
  return new Set(nodes.flatMap((n) => n.input));
}

class Rewriter {
  readonly added: Tensor[] = [];
  /** Activations already quantized: one DynamicQuantizeLinear per tensor, shared by its MatMuls (e.g. Q, K, V). */
  private readonly quantizedInputs = new Map<string, [string, string, string]>();
  private pending: Node[] = [];

  constructor(
    private readonly inits: Map<string, Tensor>,
    private readonly o: DynamicQuantOptions,
  ) {}

  rewrite(node: Node): Node[] | undefined {
    const weight = this.constantWeight(node);
    if (!weight) return undefined;
    this.pending = [];
    const [k, n] = weight.dims;
    const q = quantizeWeights(weight.values, k, n, this.o);
    const base = node.output[0];
    const wq = this.constant(`${base}_W_quantized`, [k, n], this.o.weightType === 'int8' ? DataType.INT8 : DataType.UINT8, q.data);
    const wScale = this.constant(`${base}_W_scale`, this.o.perChannel ? [n] : [], DataType.FLOAT, q.scale);
    const wZero = this.constant(`${base}_W_zero_point`, this.o.perChannel ? [n] : [], this.o.weightType === 'int8' ? DataType.INT8 : DataType.UINT8, q.zeroPoint);
    const [aq, aScale, aZero] = this.quantizeInput(node.input[0]);
    const int32 = this.node('MatMulInteger', [aq, wq, aZero, wZero], `${base}_int32`);
    const asFloat = this.node('Cast', [int32], `${base}_float`, [attrInt('to', DataType.FLOAT)]);
    const scale = this.node('Mul', [aScale, wScale], `${base}_scale`);
    const bias = node.opType === 'Gemm' ? node.input[2] : undefined;
    this.node('Mul', [asFloat, scale], bias ? `${base}_nobias` : base);
    if (bias) this.node('Add', [`${base}_nobias`, bias], base);
    return this.pending;
  }

  /** The [K, N] float weight of a MatMul / plain Gemm, transposed for Gemm's transB; else undefined. */
  private constantWeight(node: Node): { values: Float32Array; dims: [number, number] } | undefined {
    const attr = (name: string, dflt: number) => node.attribute?.find((a) => a.name === name)?.[name === 'alpha' || name === 'beta' ? 'f' : 'i'] ?? dflt;
    if (node.opType === 'Gemm' && (attr('alpha', 1) !== 1 || attr('beta', 1) !== 1 || attr('transA', 0) !== 0)) return undefined;
    if (node.opType !== 'MatMul' && node.opType !== 'Gemm') return undefined;
    const t = this.inits.get(node.input[1]);
    if (!t || t.dims.length !== 2 || t.dataType !== DataType.FLOAT || this.inits.has(node.input[0])) return undefined;
    const values = floatsOf(t);
    const [r, c] = t.dims.map(Number);
    if (values.length !== r * c) throw new RerankError('RERANK_ONNX_INVALID', `weight ${t.name} keeps its data outside the .onnx file; external data is not supported by quantize`);
    if (node.opType === 'Gemm' && attr('transB', 0) === 1) return { values: transpose(values, r, c), dims: [c, r] };
    return { values, dims: [r, c] };
  }

  private quantizeInput(name: string): [string, string, string] {
    let q = this.quantizedInputs.get(name);
    if (!q) {
      q = [`${name}_quantized`, `${name}_scale`, `${name}_zero_point`];
      this.pending.push({ name: `${name}_QuantizeLinear`, opType: 'DynamicQuantizeLinear', input: [name], output: [...q] });
      this.quantizedInputs.set(name, q);
    }
    return q;
  }

  private node(opType: string, input: string[], output: string, attribute: Node['attribute'] = []): string {
    this.pending.push({ name: `${output}_${opType}`, opType, input, output: [output], attribute });
    return output;
  }

  private constant(name: string, dims: number[], dataType: number, data: ArrayBufferView): string {
    this.added.push(tensor(name, dims, dataType, data));
    return name;
  }
}

function transpose(v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = v[i * cols + j];
  return out;
}
