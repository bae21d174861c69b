import type { FieldValue } from './events.js';

/** One joined interaction: what was done on which displayed item, and when. */
export interface CtInteraction { id: string; type: string; item: string; ts: number }

/**
 * A click-through: a ranking as displayed, the feature values it was ranked with (computed when the
 * ranking event arrived, so training sees what ranking saw), and the interactions joined to it.
 * Feature values are null where missing (JSON has no NaN).
 */
export interface Clickthrough {
  id: string;
  ts: number;
  user?: string;
  session?: string;
  /** Ranking fields, for rate scopes (ranking.<field>) and debiasing keys (query). */
  fields: [string, FieldValue][];
  items: string[];
  /** Explicit labels from the ranking event (`items[].label`), when given. */
  labels?: (number | null)[];
  columns: string[];
  values: (number | null)[][];
  interactions: CtInteraction[];
  /** Positions counted as examined so far (their `impression` was emitted). */
  examined: number;
}

/** Positions that become examined after a click at `pos`: Metarank counts every item above the last click. */
export function examinedAfter(mode: 'above_last_click' | 'all' | 'clicked', ct: Clickthrough, pos: number): number[] {
  if (mode === 'clicked') return [pos];
  if (mode === 'all') return [];
  const out: number[] = [];
  for (let p = ct.examined; p <= pos; p++) out.push(p);
  return out;
}

/** The graded label of each displayed item: the highest interaction weight it got, or its explicit label. */
export function labelsOf(ct: Clickthrough, weights: Record<string, number>): number[] {
  const y = ct.items.map((_, i) => ct.labels?.[i] ?? 0);
  const pos = new Map(ct.items.map((id, i) => [id, i]));
  for (const it of ct.interactions) {
    const p = pos.get(it.item);
    const w = weights[it.type];
    if (p !== undefined && w !== undefined) y[p] = Math.max(y[p]!, w);
  }
  return y;
}
