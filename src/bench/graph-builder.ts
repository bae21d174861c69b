import { DataType, tensor, type Attribute, type Node, type Tensor } from '../onnx/model.js';
import { seededRandom } from '../util/random.js';

/** A tiny graph builder: unique names, initializers and nodes in one place. */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  private n = 0;
  private readonly names = new Set<string>();

  op(opType: string, inputs: string[], attrs: Attribute[] = [], domain?: string): string {
    const out = `${opType.toLowerCase()}_${this.n++}`;
    this.nodes.push({ name: out, opType, input: inputs, output: [out], attribute: attrs, ...(domain ? { domain } : {}) });
    return out;
  }

  /** Adds a constant once; a second call with the same name reuses the first. */
  init(name: string, dims: number[], data: Float32Array | BigInt64Array | Int8Array | Uint8Array, dataType: number = DataType.FLOAT): string {
    if (!this.names.has(name)) this.initializers.push(tensor(name, dims, dataType, data));
    this.names.add(name);
    return name;
  }

  ints(name: string, values: number[]): string {
    return this.init(name, [values.length], BigInt64Array.from(values.map(BigInt)), DataType.INT64);
  }

  scalar(name: string, value: number): string {
    return this.init(name, [], Float32Array.of(value));
  }
}

/** Seeded normal(0, std) weights: speed does not depend on values, fidelity tests need them repeatable. */
export function randomWeights(count: number, seed: number, std = 0.02): Float32Array {
  const next = seededRandom(seed >>> 0 || 1);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next() + 1e-12)) * std;
    const a = 2 * Math.PI * next();
    out[i] = r * Math.cos(a);
    if (i + 1 < count) out[i + 1] = r * Math.sin(a);
  }
  return out;
}
