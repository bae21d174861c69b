/** Latency summary of one contender on one workload, in milliseconds. */
export interface Latency {
  runs: number;
  p50: number;
  p95: number;
  mean: number;
  min: number;
}

/** Percentile by linear interpolation between closest ranks (numpy's default), p in [0, 100]. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function summarize(ms: number[]): Latency {
  return {
    runs: ms.length,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    mean: ms.reduce((a, b) => a + b, 0) / ms.length,
    min: Math.min(...ms),
  };
}

/**
 * Samples resident memory during one call (ONNX Runtime computes off the JS thread, so timers fire).
 * All contenders share the process, so besides the peak it reports the growth above the call's start:
 * the working memory of that call, which the other contenders' loaded models do not inflate.
 */
export class RssSampler {
  private base = 0;
  private peak = 0;
  private timer?: NodeJS.Timeout;

  start(intervalMs = 2): void {
    this.base = this.peak = process.memoryUsage.rss();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  /** Stops sampling; MiB at the peak and above the start. */
  stop(): { peakMiB: number; growthMiB: number } {
    clearInterval(this.timer);
    this.sample();
    return { peakMiB: this.peak / 2 ** 20, growthMiB: (this.peak - this.base) / 2 ** 20 };
  }
}
