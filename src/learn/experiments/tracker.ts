import type { ExperimentConfig } from './config.js';
import { report, type ExperimentReport, type ServedRanking } from './report.js';

export type { ServedRanking };

/**
 * Where the tracker persists: a namespaced key-value view of the learner's store. `entries` lists
 * what was kept, so a restarted server reports the same numbers.
 */
export interface ExperimentKV {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  entries(): Promise<[string, unknown][]>;
}

/**
 * Records which variant (or which interleaving teams) served each ranking id, joins the clicks that
 * later arrive at /feedback by that id, and reports per variant.
 */
export class ExperimentTracker {
  private readonly byId = new Map<string, ServedRanking>();
  private readonly configs: Map<string, ExperimentConfig>;

  private constructor(configs: ExperimentConfig[], private readonly kv: ExperimentKV) {
    this.configs = new Map(configs.map((c) => [c.name, c]));
  }

  static async open(configs: ExperimentConfig[], kv: ExperimentKV): Promise<ExperimentTracker> {
    const t = new ExperimentTracker(configs, kv);
    for (const [id, value] of await kv.entries()) {
      const rec = value as ServedRanking;
      if (t.configs.has(rec.experiment)) t.byId.set(id, rec);
    }
    return t;
  }

  get experiments(): ExperimentConfig[] {
    return [...this.configs.values()];
  }

  config(name: string): ExperimentConfig | undefined {
    return this.configs.get(name);
  }

  /** Remembers a served ranking; a repeated id keeps its first record (and its clicks). */
  async served(id: string, rec: Omit<ServedRanking, 'clicks'>): Promise<void> {
    if (this.byId.has(id)) return;
    const full = { ...rec, clicks: [] };
    this.byId.set(id, full);
    await this.kv.set(id, full);
  }

  /** Joins interaction events (Metarank's shape) to served rankings; other events are ignored. */
  async observe(events: readonly unknown[]): Promise<number> {
    const changed = new Map<string, ServedRanking>();
    for (const e of events) {
      const ev = e as { event?: unknown; ranking?: unknown; item?: unknown; type?: unknown };
      if (ev?.event !== 'interaction' || typeof ev.ranking !== 'string' || typeof ev.item !== 'string') continue;
      const rec = this.byId.get(ev.ranking);
      if (!rec || ev.type !== this.configs.get(rec.experiment)?.interaction) continue;
      const pos = rec.items.indexOf(ev.item);
      if (pos < 0 || rec.clicks.includes(pos)) continue;
      rec.clicks.push(pos);
      changed.set(ev.ranking, rec);
    }
    for (const [id, rec] of changed) await this.kv.set(id, rec);
    return changed.size;
  }

  report(): ExperimentReport[] {
    const per = new Map<string, ServedRanking[]>();
    for (const rec of this.byId.values()) {
      const list = per.get(rec.experiment) ?? [];
      list.push(rec);
      per.set(rec.experiment, list);
    }
    return this.experiments.map((c) => report(c, per.get(c.name) ?? []));
  }
}
