/** One displayed item of a logged ranking: who (query + item), where (0-based position), clicked or not. */
export interface ClickObservation { key: string; position: number; clicked: boolean }

/**
 * Examination propensities of a position-based click model (PBM: P(click) = θ_position · γ_query,item)
 * fitted by expectation–maximisation on the click logs (Wang et al., "Position bias estimation for
 * unbiased learning to rank in personal search", WSDM 2018). The same document shown at several
 * positions is what identifies θ; retrained models, experiments and shuffles provide that variation.
 * Returns θ_p / θ_0 for p = 0..maxPosition−1, so the top position has propensity 1.
 */
export function fitPropensities(obs: ClickObservation[], maxPosition: number, iterations = 50): number[] {
  const theta = new Float64Array(maxPosition).fill(0.5);
  const keys = new Map<string, number>();
  for (const o of obs) if (!keys.has(o.key)) keys.set(o.key, keys.size);
  const gamma = new Float64Array(keys.size).fill(0.5);
  const k = obs.map((o) => keys.get(o.key)!);
  const p = obs.map((o) => Math.min(o.position, maxPosition - 1));
  for (let it = 0; it < iterations; it++) {
    const tNum = new Float64Array(maxPosition); const tDen = new Float64Array(maxPosition);
    const gNum = new Float64Array(keys.size); const gDen = new Float64Array(keys.size);
    obs.forEach((o, i) => {
      const t = theta[p[i]!]!; const g = gamma[k[i]!]!;
      let e = 1; let r = 1;
      if (!o.clicked) { const d = 1 - t * g; e = (t * (1 - g)) / d; r = (g * (1 - t)) / d; }
      tNum[p[i]!] += e; tDen[p[i]!] += 1;
      gNum[k[i]!] += r; gDen[k[i]!] += 1;
    });
    for (let j = 0; j < maxPosition; j++) if (tDen[j]! > 0) theta[j] = clamp(tNum[j]! / tDen[j]!);
    for (let j = 0; j < keys.size; j++) gamma[j] = clamp(gNum[j]! / gDen[j]!);
  }
  // Positions never observed take the nearest observed one above them.
  const out: number[] = [];
  for (let j = 0; j < maxPosition; j++) out.push(j > 0 && !obs.some((o) => o.position === j) ? out[j - 1]! : theta[j]! / theta[0]!);
  return out.map((x) => Math.min(1, Math.max(x, 1e-3)));
}

const clamp = (x: number): number => Math.min(1 - 1e-6, Math.max(1e-6, x));
