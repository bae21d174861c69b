import type { Progress } from './runner.js';

/** A cli-progress bar on stderr when it is a terminal; otherwise nothing (logs stay clean). */
export async function progressBar(label: string): Promise<{ update: Progress; stop(): void }> {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0), (started = true);
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}
