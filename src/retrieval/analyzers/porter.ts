/**
 * Martin Porter's stemmer, ported line by line from Lucene's PorterStemmer.java (the reference
 * "thread-safe ANSI C" version with its bli→ble and logi→log departures). The `stemmer` npm package
 * is a regex port that treats `y` and non-ASCII letters differently, which shifts BM25 scores away
 * from Anserini's; this port reproduces Lucene token for token.
 */
class Porter {
  private b: string[];
  private k: number;
  private j = 0;

  constructor(word: string) {
    this.b = [...word];
    this.k = this.b.length - 1;
  }

  stem(): string {
    if (this.k <= 1) return this.b.join('');
    this.step1();
    this.step2();
    this.step3();
    this.step4();
    this.step5();
    this.step6();
    return this.b.slice(0, this.k + 1).join('');
  }

  private cons(i: number): boolean {
    const c = this.b[i];
    if (c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u') return false;
    if (c === 'y') return i === 0 ? true : !this.cons(i - 1);
    return true;
  }

  /** Number of consonant-vowel sequences in b[0..j]. */
  private m(): number {
    let n = 0;
    let i = 0;
    for (;; i++) {
      if (i > this.j) return n;
      if (!this.cons(i)) break;
    }
    i++;
    for (;;) {
      for (;; i++) {
        if (i > this.j) return n;
        if (this.cons(i)) break;
      }
      i++;
      n++;
      for (;; i++) {
        if (i > this.j) return n;
        if (!this.cons(i)) break;
      }
      i++;
    }
  }

  private vowelInStem(): boolean {
    for (let i = 0; i <= this.j; i++) if (!this.cons(i)) return true;
    return false;
  }

  private doublec(j: number): boolean {
    return j >= 1 && this.b[j] === this.b[j - 1] && this.cons(j);
  }

  private cvc(i: number): boolean {
    if (i < 2 || !this.cons(i) || this.cons(i - 1) || !this.cons(i - 2)) return false;
    const c = this.b[i];
    return c !== 'w' && c !== 'x' && c !== 'y';
  }

  private ends(s: string): boolean {
    const o = this.k - s.length + 1;
    if (o < 0) return false;
    for (let i = 0; i < s.length; i++) if (this.b[o + i] !== s[i]) return false;
    this.j = this.k - s.length;
    return true;
  }

  private setto(s: string): void {
    for (let i = 0; i < s.length; i++) this.b[this.j + 1 + i] = s[i]!;
    this.k = this.j + s.length;
  }

  private r(s: string): void {
    if (this.m() > 0) this.setto(s);
  }

  /** Plurals and -ed / -ing. */
  private step1(): void {
    if (this.b[this.k] === 's') {
      if (this.ends('sses')) this.k -= 2;
      else if (this.ends('ies')) this.setto('i');
      else if (this.b[this.k - 1] !== 's') this.k--;
    }
    if (this.ends('eed')) {
      if (this.m() > 0) this.k--;
    } else if ((this.ends('ed') || this.ends('ing')) && this.vowelInStem()) {
      this.k = this.j;
      if (this.ends('at')) this.setto('ate');
      else if (this.ends('bl')) this.setto('ble');
      else if (this.ends('iz')) this.setto('ize');
      else if (this.doublec(this.k)) {
        const ch = this.b[this.k--];
        if (ch === 'l' || ch === 's' || ch === 'z') this.k++;
      } else if (this.m() === 1 && this.cvc(this.k)) this.setto('e');
    }
  }

  /** Terminal y → i when there is another vowel in the stem. */
  private step2(): void {
    if (this.ends('y') && this.vowelInStem()) this.b[this.k] = 'i';
  }

  /** Tries each suffix of the group in order; the first that matches ends the step (as in Lucene). */
  private replaceFirst(pairs: [string, string][], cond: () => boolean, apply: (to: string) => void): void {
    for (const [from, to] of pairs) {
      if (this.ends(from)) {
        if (cond()) apply(to);
        return;
      }
    }
  }

  private step3(): void {
    const group = STEP3[this.b[this.k - 1]!];
    if (group) this.replaceFirst(group, () => true, (to) => this.r(to));
  }

  private step4(): void {
    const group = STEP4[this.b[this.k]!];
    if (group) this.replaceFirst(group, () => true, (to) => this.r(to));
  }

  /** Drops -ant, -ence etc. when the measure of the stem is > 1. */
  private step5(): void {
    if (this.k === 0) return;
    const group = STEP5[this.b[this.k - 1]!];
    if (!group) return;
    const matched = group.find((s) => this.ends(s) && (s !== 'ion' || (this.j >= 0 && (this.b[this.j] === 's' || this.b[this.j] === 't'))));
    if (matched && this.m() > 1) this.k = this.j;
  }

  /** Removes a final -e and reduces -ll when the measure allows. */
  private step6(): void {
    this.j = this.k;
    if (this.b[this.k] === 'e') {
      const a = this.m();
      if (a > 1 || (a === 1 && !this.cvc(this.k - 1))) this.k--;
    }
    if (this.b[this.k] === 'l' && this.doublec(this.k) && this.m() > 1) this.k--;
  }
}

const STEP3: Record<string, [string, string][]> = {
  a: [['ational', 'ate'], ['tional', 'tion']],
  c: [['enci', 'ence'], ['anci', 'ance']],
  e: [['izer', 'ize']],
  l: [['bli', 'ble'], ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous']],
  o: [['ization', 'ize'], ['ation', 'ate'], ['ator', 'ate']],
  s: [['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous']],
  t: [['aliti', 'al'], ['iviti', 'ive'], ['biliti', 'ble']],
  g: [['logi', 'log']],
};

const STEP4: Record<string, [string, string][]> = {
  e: [['icate', 'ic'], ['ative', ''], ['alize', 'al']],
  i: [['iciti', 'ic']],
  l: [['ical', 'ic'], ['ful', '']],
  s: [['ness', '']],
};

const STEP5: Record<string, string[]> = {
  a: ['al'], c: ['ance', 'ence'], e: ['er'], i: ['ic'], l: ['able', 'ible'], n: ['ant', 'ement', 'ment', 'ent'],
  o: ['ion', 'ou'], s: ['ism'], t: ['ate', 'iti'], u: ['ous'], v: ['ive'], z: ['ize'],
};

/** Porter-stems one lower-cased token exactly as Lucene's PorterStemFilter does. */
export function porterStem(word: string): string {
  return new Porter(word).stem();
}
