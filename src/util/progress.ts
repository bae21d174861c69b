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
  /** What is counted, written after the counts: 'queries', 'documents'; 'bytes' are shown in MiB. */
  unit?: string;
  /** Where to draw; process.stderr by default. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** This bar's place among the stages of one job, e.g. [2, 3] → `[2/3]` before the label. */
  step?: [number, number];
}

/**
 * One progress bar for every long job (downloads, indexing, embedding, retrieval, reranking), drawn
 * with cli-progress (loaded on first use) in one style:
 *
 *     [2/3] rerank    [████████░░░░░░░░░░░░] 41% 123/300 queries | 4m05s | eta 5m52s
 *
 * The estimate comes from the recent rate, so it is there after the first units of a long job. While
 * a bar is drawn, SIGINT/SIGTERM stop it first: the cursor comes back and one line says how far the
 * job got (`interrupted during rerank: 123 of 300 queries done`), then the signal does what it would
 * have done (the process ends unless the program listens for it itself). An exit by any other path
 * (an error, process.exit) restores the cursor too.
 */
export async function progressBar(label: string, o: ProgressBarOptions = {}): Promise<ProgressBar> {
  const stream = o.stream ?? process.stderr;
  if (!(o.show ?? stream.isTTY === true)) return { update: () => {}, stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  return makeBar(cliProgress, stream, label, o);
}

/** Reports `done` of `total` in a named stage of a job (`index`, then `embed`...). */
export type StageProgress = (done: number, total: number, stage: string) => void;

/**
 * A job with several slow stages in turn (index, embed, retrieve, rerank): one bar per stage, labelled
 * with the stage and its place (`[2/3] embed`), each started by the stage's first report and stopped
 * when the next stage starts (or by stop()).
 */
export async function stagedProgress(stages: string[], o: Omit<ProgressBarOptions, 'step'> = {}): Promise<{ update: StageProgress; stop(): void }> {
  const stream = o.stream ?? process.stderr;
  if (!(o.show ?? stream.isTTY === true)) return { update: () => {}, stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  let current: { stage: string; bar: ProgressBar } | undefined;
  return {
    update(done, total, stage) {
      if (current?.stage !== stage) {
        current?.bar.stop();
        const at = stages.indexOf(stage);
        current = { stage, bar: makeBar(cliProgress, stream, stage, { ...o, ...(at >= 0 ? { step: [at + 1, stages.length] as [number, number] } : {}) }) };
      }
      current.bar.update(done, total);
    },
    stop() {
      current?.bar.stop();
      current = undefined;
    },
  };
}

type CliProgress = typeof import('cli-progress');

function makeBar(cliProgress: CliProgress, stream: NonNullable<ProgressBarOptions['stream']>, label: string, o: ProgressBarOptions): ProgressBar {
  const unit = o.unit ? ` ${o.unit}` : '';
  const prefix = `${o.step ? `[${o.step[0]}/${o.step[1]}] ` : ''}${label.padEnd(9)}`;
  const counts = (done: number, total: number, sep: string) => (o.unit === 'bytes' ? `${mib(done)}${sep}${mib(total)} MiB` : `${done}${sep}${total}${unit}`);
  let started = false;
  let startValue = 0;
  let last = { done: 0, total: 0 };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      hideCursor: true,
      etaBuffer: 20,
      etaAsynchronousUpdate: true,
      barsize: 20,
      format: (options, params) => {
        const width = options.barsize ?? 20;
        const filled = Math.round(Math.min(1, Math.max(0, params.progress)) * width);
        const bars = `${options.barCompleteString?.slice(0, filled) ?? ''}${options.barIncompleteString?.slice(0, width - filled) ?? ''}`;
        const elapsed = ((params.stopTime ?? Date.now()) - params.startTime) / 1000;
        const known = params.value > startValue && Number.isFinite(Number(params.eta));
        const eta = params.value >= params.total ? '0s' : known ? duration(Number(params.eta)) : '…';
        return `${prefix} [${bars}] ${Math.floor(params.progress * 100)}% ${counts(params.value, params.total, '/')} | ${duration(elapsed)} | eta ${eta}`;
      },
    },
    cliProgress.Presets.shades_classic,
  );
  const live: LiveBar = {
    interrupt() {
      stop();
      stream.write(`rerankit: interrupted during ${label}: ${counts(last.done, last.total, ' of ')} done\n`);
    },
    restore: () => stop(),
  };
  function stop(): void {
    if (started) bar.stop();
    started = false;
    release(live);
  }
  return {
    update(done, total) {
      last = { done, total };
      if (!started) {
        started = true;
        startValue = done;
        hold(live);
        return bar.start(total, done);
      }
      if (total !== bar.getTotal()) bar.setTotal(total);
      bar.update(done);
    },
    stop,
  };
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** Long 'human' durations: 42s, 3m05s, 1h02m. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

// ---- the terminal is restored on every way out while a bar is drawn ----

interface LiveBar {
  /** Stops the bar and says how far it got. */
  interrupt(): void;
  /** Stops the bar silently (the cursor comes back). */
  restore(): void;
}

const live = new Set<LiveBar>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const handlers = new Map<NodeJS.Signals, () => void>(SIGNALS.map((s) => [s, () => onSignal(s)]));
const onExit = () => {
  for (const b of [...live]) b.restore();
};

function hold(bar: LiveBar): void {
  if (live.size === 0) {
    for (const [s, h] of handlers) process.on(s, h);
    process.on('exit', onExit);
  }
  live.add(bar);
}

function release(bar: LiveBar): void {
  if (!live.delete(bar) || live.size > 0) return;
  for (const [s, h] of handlers) process.off(s, h);
  process.off('exit', onExit);
}

function onSignal(signal: NodeJS.Signals): void {
  for (const b of [...live]) b.interrupt(); // the last release removes these handlers
  // Nobody else listens: let the signal end the process as it would have without us (exit 128 + n).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
