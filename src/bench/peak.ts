import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { SessionOptions } from '../backends/onnx/session.js';
import { writeModel } from '../onnx/model.js';
import { matmulFlops } from './flops.js';
import { makeMatMulModel } from './make-model.js';
import { benchModelsDir, writeAtomically } from './paths.js';
import { percentile } from './stats.js';

export interface PeakResult {
  /** Square matrix size of the probe multiply. */
  n: number;
  samples: number;
  /**
   * Best sample: the reference "% of peak" divides by. Background load only ever slows a sample down,
   * so the best one is the closest to what the hardware can do (on a busy 2-core machine the median
   * can sit 30% lower), and percentages against it are conservative.
   */
  gflops: number;
  /** Median sample, for the record. */
  medianGflops: number;
}

/**
 * The machine's fp32 matrix-multiply throughput as ONNX Runtime reaches it: an [n, n] × [n, n] MatMul
 * run in a session with the same threads as the engines under test. Samples are added during the
 * workloads too (one per round), so the peak sees the same machine noise as the measurements.
 */
export class MatMulPeak {
  private readonly ms: number[] = [];

  private constructor(
    private readonly session: Ort.InferenceSession,
    private readonly input: Ort.Tensor,
    readonly n: number,
  ) {}

  static async create(n: number, o: SessionOptions): Promise<MatMulPeak> {
    const ort = await import('onnxruntime-node');
    const path = join(benchModelsDir(), `matmul-${n}.onnx`);
    if (!(await stat(path).then(() => true, () => false))) {
      await writeAtomically(path, (tmp) => writeModel(tmp, makeMatMulModel(n)));
    }
    const session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
      ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
      interOpNumThreads: 1,
      // As rerankit's sessions: threads that spin after a call would slow the next contender's call (see session.ts).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    const data = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    return new MatMulPeak(session, new ort.Tensor('float32', data, [n, n]), n);
  }

  /** Times one multiply and keeps the sample. */
  async sample(): Promise<number> {
    const t0 = performance.now();
    await this.session.run({ [this.session.inputNames[0]]: this.input });
    const ms = performance.now() - t0;
    this.ms.push(ms);
    return ms;
  }

  /** Untimed calls first: the first runs pay for thread-pool start-up and page faults. */
  async warmUp(runs: number): Promise<void> {
    for (let i = 0; i < runs; i++) await this.session.run({ [this.session.inputNames[0]]: this.input });
  }

  result(): PeakResult {
    const flops = matmulFlops(this.n, this.n, this.n);
    const g = this.ms.map((ms) => flops / (ms * 1e6));
    return { n: this.n, samples: g.length, gflops: Math.max(...g), medianGflops: percentile(g, 50) };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
