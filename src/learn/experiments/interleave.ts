import { seededRandom } from '../../util/random.js';
import { unitHash } from './assign.js';

export type Team = 'a' | 'b';

/**
 * Team-draft interleaving (Radlinski, Kurup and Joachims, 2008): the team with fewer picks — a coin
 * flip when even — adds its best item not yet taken. The coin is seeded by the ranking id, so the
 * same request always gets the same list. Returns the merged order and each position's team.
 */
export function teamDraft(a: readonly string[], b: readonly string[], seed: string): { items: string[]; teams: Team[] } {
  const rand = seededRandom(Math.floor(unitHash(seed) * 2 ** 32));
  const taken = new Set<string>();
  const items: string[] = [];
  const teams: Team[] = [];
  let ia = 0, ib = 0, na = 0, nb = 0;
  const total = new Set([...a, ...b]).size;
  while (items.length < total) {
    const pickA = na < nb || (na === nb && rand() < 0.5);
    const [list, team] = pickA ? [a, 'a' as const] : [b, 'b' as const];
    let i = pickA ? ia : ib;
    while (i < list.length && taken.has(list[i]!)) i++;
    if (pickA) ia = i; else ib = i;
    if (i >= list.length) {
      // This team has nothing left; the other fills the rest (counts keep alternating fairly).
      if (pickA) na = Infinity; else nb = Infinity;
      continue;
    }
    taken.add(list[i]!);
    items.push(list[i]!);
    teams.push(team);
    if (pickA) na++; else nb++;
  }
  return { items, teams };
}

/** Which team won a ranking: the one whose items got more clicks; null when no click at all. */
export function creditClicks(teams: readonly Team[], clickedPositions: readonly number[]): 'a' | 'b' | 'tie' | null {
  if (clickedPositions.length === 0) return null;
  let a = 0, b = 0;
  for (const p of clickedPositions) {
    if (teams[p] === 'a') a++;
    else if (teams[p] === 'b') b++;
  }
  return a > b ? 'a' : b > a ? 'b' : 'tie';
}
