import type { Command } from 'commander';
import { RerankError } from '../../errors.js';
import type { ExperimentReport, InterleavingArm, VariantReport } from '../../learn/experiments/report.js';
import { printJson } from '../util.js';

interface Flags { url: string; apiKey?: string; json?: boolean }

export function register(program: Command): void {
  program
    .command('experiments')
    .description('report a running server\'s online experiments: per variant CTR, clicks@k, MRR, interleaving wins, significance (docs/learning.md)')
    .requiredOption('--url <url>', 'the rerankit server, e.g. http://127.0.0.1:8080')
    .option('--api-key <key>', 'the server\'s API key, when it has one')
    .option('--json', 'machine-readable output (the GET /experiments answer)')
    .addHelpText('after', `
Examples:
  rerankit experiments --url http://127.0.0.1:8080
  rerankit experiments --url http://127.0.0.1:8080 --json`)
    .action(async (flags: Flags) => {
      const report = await fetchReport(flags);
      if (flags.json) return printJson(report);
      process.stdout.write(report.experiments.map(format).join('\n') || 'no experiments are configured\n');
    });
}

async function fetchReport(flags: Flags): Promise<{ experiments: ExperimentReport[] }> {
  const url = `${flags.url.replace(/\/+$/, '')}/experiments`;
  let res: Response;
  try {
    res = await fetch(url, { headers: flags.apiKey ? { authorization: `Bearer ${flags.apiKey}` } : {} });
  } catch (e) {
    throw new RerankError('RERANK_UNAVAILABLE', `cannot reach ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
  }
  const body = await res.text();
  if (!res.ok) throw new RerankError('RERANK_UPSTREAM', `${url} answered ${res.status}: ${body.slice(0, 200)}`);
  try {
    return JSON.parse(body) as { experiments: ExperimentReport[] };
  } catch {
    throw new RerankError('RERANK_UPSTREAM', `${url} did not answer JSON`);
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ci = (i: { low: number; high: number } | null, f: (x: number) => string) => (i ? `[${f(i.low)}, ${f(i.high)}]` : '');
const f3 = (x: number) => x.toFixed(3);

function format(e: ExperimentReport): string {
  const lines = [`${e.name} (${e.type === 'split' ? `split by ${e.by}` : 'team-draft interleaving'}, ${e.rankings} rankings)`];
  if (e.type === 'split') {
    lines.push(`  ${'variant'.padEnd(16)} ${'share'.padStart(6)} ${'rankings'.padStart(9)}  ${'CTR'.padEnd(24)} ${`clicks@${e.k}`.padEnd(22)} MRR`);
    for (const v of e.variants as VariantReport[]) {
      lines.push(`  ${v.name.padEnd(16)} ${pct(v.share).padStart(6)} ${String(v.rankings).padStart(9)}  ${`${pct(v.ctr)} ${ci(v.ctrInterval, pct)}`.padEnd(24)} ${`${f3(v.clicksAtK)} ${ci(v.clicksAtKInterval, f3)}`.padEnd(22)} ${f3(v.mrr)} ${ci(v.mrrInterval, f3)}`);
    }
  } else {
    for (const v of e.variants as InterleavingArm[]) lines.push(`  ${v.name.padEnd(16)} wins ${v.wins}  ties ${v.ties}  losses ${v.losses}  clicks ${v.clicks}`);
  }
  for (const s of e.significance) {
    const verdict = s.significant ? `significant: ${s.leader} is better` : `not significant yet${s.sessionsNeeded === null ? '' : `: about ${s.sessionsNeeded} more rankings needed`}`;
    lines.push(`  ${s.test}, ${s.compared.join(' vs ')}: p = ${s.p.toPrecision(3)} — ${verdict}`);
  }
  return `${lines.join('\n')}\n`;
}
