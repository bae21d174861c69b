/** Called as work advances: `done` of `total` units. */
export type Progress = (done: number, total: number) => void;

export interface ProgressBar {
  /**
   * Draws `done` of `total`. The first call starts the bar at `done` (a resumed download starts part
   * way); a later call may change `total`. A plain function, so it can be passed as a callback.
   */
  update: Progress;
  /** Ends the bar; nothing happens when it never started. */
  stop(): void;
}

export interface ProgressBarOptions {
  /** Draw at all. Default: when the stream is a terminal, so pipes and CI logs stay clean. */
  show?: boolean;
  /** Written after the counts, e.g. 'bytes'. */
  unit?: string;
  /** Where to draw; process.stderr by default. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** One progress bar for every long job (downloads, indexing, searches, evaluation): cli-progress, loaded on first use. */
export async function progressBar(label: string, o: ProgressBarOptions = {}): Promise<ProgressBar> {
  const stream = o.stream ?? process.stderr;
  if (!(o.show ?? stream.isTTY === true)) return { update: () => {}, stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  const unit = o.unit ? ` ${o.unit}` : '';
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% {value}/{total}${unit} eta {eta_formatted}`, stream, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) return void ((started = true), bar.start(total, done));
      if (total !== bar.getTotal()) bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
