import { createHash } from 'node:crypto';

/** A number in [0, 1) fixed by the text: the same user always lands in the same bucket. */
export function unitHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/** Who a ranking request is: the user, else the session, else the request itself (`by` picks the first tried). */
export function unitOf(request: { user?: unknown; session?: unknown; id?: unknown }, by: 'user' | 'session'): string {
  const order = by === 'user' ? [request.user, request.session] : [request.session, request.user];
  const key = order.find((v) => typeof v === 'string' && v !== '');
  return key === undefined ? `request:${String(request.id ?? '')}` : `${by === 'user' && key === request.user ? 'user' : 'session'}:${key as string}`;
}

/**
 * The variant a unit gets: its hash, salted with the experiment's name so two experiments split the
 * same users independently, walks the cumulative shares.
 */
export function pickVariant(experiment: string, unit: string, shares: readonly { name: string; share: number }[]): string {
  const total = shares.reduce((s, v) => s + v.share, 0);
  const u = unitHash(`${experiment}\u0000${unit}`) * total;
  let acc = 0;
  for (const v of shares) {
    acc += v.share;
    if (u < acc) return v.name;
  }
  return shares[shares.length - 1]!.name;
}
