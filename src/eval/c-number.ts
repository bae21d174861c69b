/**
 * C's number reading and printing, as trec_eval uses them: atof/strtod and atol for the input files and
 * measure parameters, printf's %f for the output. JavaScript's Number() and toFixed() differ at the
 * edges (a prefix like "1.5abc", "inf", hex floats; halfway cases), and the output must be byte-equal.
 */

const FLOAT_PREFIX = /^[ \t\n\v\f\r]*([+-]?)(?:(inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)|0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?|(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))/i;

/** C's atof (strtod without the end pointer): the longest numeric prefix, 0 when there is none. */
export function cAtof(s: string): number {
  const m = FLOAT_PREFIX.exec(s);
  if (!m) return 0;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2]) return m[2][0].toLowerCase() === 'i' ? sign * Infinity : Number.NaN;
  if (m[6] !== undefined) return sign * Number(m[6]);
  const int = m[3] ?? '';
  const frac = m[4] ?? '';
  if (int === '' && frac === '') return 0; // "0x" alone: strtod reads the "0"
  let value = 0;
  for (const c of int + frac) value = value * 16 + Number.parseInt(c, 16);
  return sign * value * 2 ** (Number(m[5] ?? 0) - 4 * frac.length);
}

/** C's atol: optional sign and decimal digits after leading white space; 0 when there are none. */
export function cAtol(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1], 10) : 0;
}

/**
 * printf("%<width>.<digits>f", x) as glibc prints it: exact decimal value, halfway cases to even,
 * "inf"/"-nan" for the non-finite (0/0 on x86 is a negative NaN, which glibc prints as "-nan").
 */
export function cFixed(x: number, digits: number, width = 0): string {
  let out: string;
  if (Number.isNaN(x)) out = '-nan';
  else if (!Number.isFinite(x)) out = x > 0 ? 'inf' : '-inf';
  else if (Math.abs(x) >= 1e21) out = `${BigInt(x)}${digits ? `.${'0'.repeat(digits)}` : ''}`;
  else {
    out = x.toFixed(digits);
    // toFixed rounds a halfway value away from zero; glibc to even. x is halfway at `digits` decimals
    // exactly when x·2^(digits+1) is an odd integer (a dyadic rational with that denominator).
    const t = Math.abs(x) * 2 ** (digits + 1);
    if (Number.isInteger(t) && t % 2 === 1) {
      const scaled = Math.abs(x) * 10 ** digits; // k + 0.5, exact
      const k = Math.floor(scaled);
      const n = k % 2 === 0 ? k : k + 1;
      const str = String(n).padStart(digits + 1, '0');
      out = `${x < 0 ? '-' : ''}${digits ? `${str.slice(0, -digits)}.${str.slice(-digits)}` : str}`;
    }
    if (Object.is(x, -0)) out = `-${out}`;
  }
  return out.length < width ? out.padStart(width) : out;
}
